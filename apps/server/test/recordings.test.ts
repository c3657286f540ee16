import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionMessage } from '@ogent/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedis } from '../src/cluster/redis.js';
import { readCast } from '../src/testing/asciicast.js';
import {
  type PostgresFixture,
  type RedisFixture,
  startPostgres,
  startRedis,
} from '../src/testing/engines.js';
import {
  PAUSE_MS,
  type PauseScript,
  SHORTEST_GAP_MS,
  type TestStack,
  type TestStackOptions,
  startTestStack,
  writePauseScript,
} from '../src/testing/index.js';
import { request, signedIn, watch } from './helpers.js';

/**
 * Recordings and arrival times with the real parts: the server on port 0 running a script on the
 * local target, SQLite and output files, PostgreSQL and Redis in cluster mode, Debian's asciinema
 * replaying a download under a pseudo-terminal.
 */

/** `pause` (see writePauseScript), ending with exit status 3. */
let pause: PauseScript;

beforeAll(() => {
  pause = writePauseScript(3);
});

afterAll(() => pause?.remove());

/** A server with the `pause` command, on the local target only. */
function start(options: TestStackOptions = {}): Promise<TestStack> {
  return startTestStack({
    sshd: false,
    ...options,
    config: {
      ...options.config,
      commands: { pause: { path: pause.path } },
    },
  });
}

type Output = Extract<ExecutionMessage, { type: 'output' }>;

/** Each line of the output with the time of the chunk it started in, in arrival order. */
function lineTimes(messages: readonly Output[]): { text: string; at: number | null }[] {
  const lines: { text: string; at: number | null }[] = [];
  const open = {
    stdout: null as { text: string; at: number | null } | null,
    stderr: null as { text: string; at: number | null } | null,
  };
  for (const message of messages) {
    const text = Buffer.from(message.data).toString('latin1');
    for (let i = 0; i < text.length; i += 1) {
      let current = open[message.stream];
      if (current === null) {
        const at = message.times.filter(([offset]) => offset <= i).at(-1)?.[1] ?? null;
        current = { text: '', at };
        open[message.stream] = current;
        lines.push(current);
      }
      if (text[i] === '\n') open[message.stream] = null;
      else current.text += text[i];
    }
  }
  return lines;
}

/** Runs `pause` and collects what a live watcher got. */
async function runPause(
  client: Awaited<ReturnType<typeof signedIn>>,
  watcher = client,
): Promise<{ executionId: string; live: Output[] }> {
  const { executionId } = await client.trpc.exec.execute.mutate({
    target: 'local',
    command: 'pause',
  });
  const live: Output[] = [];
  const result = await watch(watcher, executionId, {
    onMessage: (message) => {
      if (message.type === 'output') live.push(message);
    },
  });
  expect(result.end).toMatchObject({ status: 'completed', exitCode: 3 });
  return { executionId, live };
}

/** The same output replayed from storage, after its end. */
async function replay(
  client: Awaited<ReturnType<typeof signedIn>>,
  executionId: string,
): Promise<Output[]> {
  const stored: Output[] = [];
  await watch(client, executionId, {
    onMessage: (message) => {
      if (message.type === 'output') stored.push(message);
    },
  });
  return stored;
}

/** Checks the times of the pause's lines: known, in order, within the run, the pause visible. */
function expectPauseTimes(
  lines: readonly { text: string; at: number | null }[],
  record: { createdAt: number; finishedAt: number | null },
): void {
  expect(lines.map((l) => l.text).sort()).toEqual([
    'after pause',
    'before pause',
    'warning: pausing',
  ]);
  const times = lines.map((l) => l.at);
  expect(times.every((t) => t !== null)).toBe(true);
  const known = times as number[];
  expect(known).toEqual([...known].sort((a, b) => a - b));
  expect(known[0]).toBeGreaterThanOrEqual(record.createdAt);
  expect(known.at(-1)).toBeLessThanOrEqual(record.finishedAt ?? Number.POSITIVE_INFINITY);
  const at = (text: string): number => lines.find((l) => l.text === text)?.at ?? Number.NaN;
  const gap = at('after pause') - at('before pause');
  expect(gap).toBeGreaterThanOrEqual(SHORTEST_GAP_MS);
  expect(gap).toBeLessThan(PAUSE_MS + 3_000);
  // The two lines printed together arrived together.
  expect(Math.abs(at('warning: pausing') - at('before pause'))).toBeLessThan(500);
}

async function download(
  stack: TestStack,
  token: string,
  executionId: string,
  query: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${stack.url}/api/executions/${executionId}/output?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Plays a file with `asciinema play` under a pseudo-terminal; when each piece of output came. */
function play(
  file: string,
  speed: number,
): Promise<{
  code: number | null;
  output: string;
  pieces: { at: number; text: string }[];
  wallMs: number;
}> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    // Without a terminal asciinema 2.2 writes everything at once (it times the events while
    // waiting on /dev/tty for keys): util-linux `script` gives it one.
    const child = spawn('script', ['-qec', `asciinema play -s ${speed} '${file}'`, '/dev/null'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    const pieces: { at: number; text: string }[] = [];
    let errors = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => pieces.push({ at: performance.now(), text }));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => (errors += text));
    child.once('error', reject);
    child.once('exit', (code) => {
      const output = pieces.map((p) => p.text).join('');
      if (code !== 0)
        reject(new Error(`asciinema play exited ${String(code)}: ${output}${errors}`));
      else resolve({ code, output, pieces, wallMs: performance.now() - startedAt });
    });
  });
}

describe('recordings on the single node (SQLite and output files)', () => {
  let stack: TestStack;
  let alice: Awaited<ReturnType<typeof signedIn>>;
  let bob: Awaited<ReturnType<typeof signedIn>>;
  let executionId: string;
  let tmp: string;

  beforeAll(async () => {
    stack = await start();
    [alice, bob] = await Promise.all([signedIn(stack, 'alice'), signedIn(stack, 'bob')]);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ogent-casts-'));
    ({ executionId } = await runPause(alice));
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await stack?.stop();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps when each chunk arrived: in order, within the run, the pause visible; the same live and stored', async () => {
    const record = await alice.trpc.exec.byId.query({ executionId });
    const stored = await replay(alice, executionId);
    expectPauseTimes(lineTimes(stored), record);
  });

  it('live watchers get the times as they happen, the same as stored', async () => {
    const { executionId: id, live } = await runPause(alice);
    const record = await alice.trpc.exec.byId.query({ executionId: id });
    expectPauseTimes(lineTimes(live), record);
    expect(lineTimes(await replay(alice, id))).toEqual(lineTimes(live));
  });

  it('downloads an asciicast v3 recording with the recorded timing and the exit status', async () => {
    const record = await alice.trpc.exec.byId.query({ executionId });
    const stored = lineTimes(await replay(alice, executionId));
    const { status, headers, text } = await download(
      stack,
      alice.token,
      executionId,
      'format=cast',
    );
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/x-asciicast; charset=utf-8');
    const stamp = new Date(record.createdAt)
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/[-:]/g, '');
    expect(headers.get('content-disposition')).toBe(
      `attachment; filename="ogent-local-pause-${stamp}.cast"`,
    );

    const cast = readCast(text, 3);
    expect(cast.header).toEqual({
      version: 3,
      term: { cols: 120, rows: 40 },
      timestamp: Math.floor(record.createdAt / 1000),
      command: 'pause',
      title: 'local: pause',
    });
    const outputs = cast.events.filter((e) => e.code === 'o');
    // stderr is output too; each line ends as a terminal would have shown it.
    expect(
      outputs
        .map((e) => e.data)
        .join('')
        .split('\r\n')
        .sort(),
    ).toEqual(['', 'after pause', 'before pause', 'warning: pausing']);
    // Each event at the time its chunk arrived, to the millisecond.
    for (const event of outputs) {
      const line = stored.find((l) => event.data.startsWith(l.text));
      expect(Math.round(event.time * 1000)).toBe((line?.at ?? 0) - record.createdAt);
    }
    const timeOf = (text: string): number =>
      outputs.find((e) => e.data.includes(text))?.time ?? Number.NaN;
    expect(timeOf('after pause') - timeOf('before pause')).toBeGreaterThanOrEqual(
      SHORTEST_GAP_MS / 1000,
    );
    const exit = cast.events.at(-1);
    expect(exit?.code).toBe('x');
    expect(exit?.data).toBe('3');
    expect(Math.round((exit?.time ?? 0) * 1000)).toBe((record.finishedAt ?? 0) - record.createdAt);
  });

  it('downloads asciicast v2 that Debian’s asciinema plays with the recorded gap, scaled by the speed', async () => {
    const { status, text } = await download(
      stack,
      alice.token,
      executionId,
      'format=cast&version=2',
    );
    expect(status).toBe(200);
    const cast = readCast(text, 2);
    expect(cast.header).toMatchObject({ version: 2, width: 120, height: 40, command: 'pause' });
    const recordedGap =
      (cast.events.find((e) => e.data.includes('after pause'))?.time ?? 0) -
      (cast.events.find((e) => e.data.includes('before pause'))?.time ?? 0);
    expect(recordedGap).toBeGreaterThanOrEqual(SHORTEST_GAP_MS / 1000);

    const file = path.join(tmp, 'pause.cast');
    writeFileSync(file, text);
    const speed = 2;
    const played = await play(file, speed);
    expect(played.output).toContain('before pause\r\n');
    expect(played.output).toContain('warning: pausing\r\n');
    expect(played.output).toContain('after pause\r\n');
    // When the player wrote each half, measured from its output (not its start-up).
    const cameAt = (needle: string): number => {
      let seen = '';
      for (const piece of played.pieces) {
        seen += piece.text;
        if (seen.includes(needle)) return piece.at;
      }
      return Number.NaN;
    };
    const playedGapMs = cameAt('after pause') - cameAt('before pause');
    const expectedMs = (recordedGap * 1000) / speed;
    expect(playedGapMs).toBeGreaterThanOrEqual(expectedMs - 100);
    expect(playedGapMs).toBeLessThan(expectedMs + 1_000);
    expect(played.wallMs).toBeGreaterThanOrEqual(expectedMs);
  });

  it('serves a recording only to whoever may see the execution, and says what is wrong', async () => {
    expect((await download(stack, bob.token, executionId, 'format=cast')).status).toBe(404);
    const anonymous = await request(stack, `/api/executions/${executionId}/output?format=cast`);
    expect(anonymous.status).toBe(401);
    for (const query of [
      'format=gif',
      'format=cast&version=1',
      'version=2',
      'format=cast&stream=stdout',
    ]) {
      const answer = await download(stack, alice.token, executionId, query);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
    }
    // The text download is as it was.
    const textFile = await download(stack, alice.token, executionId, 'stream=stdout');
    expect(textFile.text).toBe('before pause\nafter pause\n');
  });
});

describe('output pruned by retention', () => {
  let stack: TestStack;
  let alice: Awaited<ReturnType<typeof signedIn>>;

  beforeAll(async () => {
    stack = await start({ config: { retention: { output: '1s', records: '365d', every: '1s' } } });
    alice = await signedIn(stack, 'alice');
  });

  afterAll(async () => {
    await alice?.close();
    await stack?.stop();
  });

  it('answers 410 and says the output was deleted by retention', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'echo soon gone',
    });
    await watch(alice, executionId);
    await vi.waitFor(
      async () => {
        const record = await alice.trpc.exec.byId.query({ executionId });
        expect(record.outputPrunedAt).not.toBeNull();
      },
      { timeout: 15_000, interval: 200 },
    );
    for (const query of ['format=cast', 'format=cast&version=2', 'format=text']) {
      const answer = await download(stack, alice.token, executionId, query);
      expect(answer.status).toBe(410);
      expect(JSON.parse(answer.text)).toMatchObject({
        error: expect.stringMatching(
          /deleted by retention on \d{4}-\d\d-\d\dT.*its record remains/,
        ) as string,
      });
    }
  });
});

describe('recordings in cluster mode (PostgreSQL and Redis)', () => {
  let postgres: PostgresFixture;
  let redis: RedisFixture;
  /** Two instances on the same PostgreSQL and Redis: one runs, the other watches. */
  let a: TestStack;
  let b: TestStack;
  let onA: Awaited<ReturnType<typeof signedIn>>;
  let onB: Awaited<ReturnType<typeof signedIn>>;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const storage = { databaseUrl: postgres.url, redisUrl: redis.url };
    a = await start({ config: { storage, cluster: { instanceId: 'rec-a' } } });
    b = await start({ config: { storage, cluster: { instanceId: 'rec-b' } } });
    [onA, onB] = await Promise.all([signedIn(a, 'alice'), signedIn(b, 'alice')]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([onA?.close(), onB?.close()]);
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await Promise.allSettled([redis?.stop(), postgres?.stop()]);
  });

  it('keeps the arrival times through the Redis stream and PostgreSQL, on every instance', async () => {
    // Runs on A; watched live on B, which reads it from the Redis stream.
    const { executionId, live } = await runPause(onA, onB);
    const record = await onB.trpc.exec.byId.query({ executionId });
    expectPauseTimes(lineTimes(live), record);
    // With the stream gone (it outlives the end by a minute), replayed from PostgreSQL: the same.
    const connections = await connectRedis(redis.url, () => undefined);
    try {
      expect(await connections.client.sendCommand(['DEL', `ogent:out:${executionId}`])).toBe(1);
    } finally {
      await connections.close();
    }
    expect(lineTimes(await replay(onB, executionId))).toEqual(lineTimes(live));

    const { status, text } = await download(b, onB.token, executionId, 'format=cast');
    expect(status).toBe(200);
    const cast = readCast(text, 3);
    const timeOf = (needle: string): number =>
      cast.events.find((e) => e.data.includes(needle))?.time ?? Number.NaN;
    expect(timeOf('after pause') - timeOf('before pause')).toBeGreaterThanOrEqual(
      SHORTEST_GAP_MS / 1000,
    );
    expect(cast.events.at(-1)).toMatchObject({ code: 'x', data: '3' });
  });
});
