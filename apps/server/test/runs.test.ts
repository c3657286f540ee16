import { execFileSync } from 'node:child_process';
import type { RunProgressEvent } from '@ogent/api';
import { type SshdFleet, TEST_USER, freePort, startSshdFleet } from '@ogent/executor/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { post, signedIn } from './helpers.js';

/** 200 real SSH targets (13 sshd processes on 127.0.1.x), plus two that cannot work. */
const COUNT = 200;
let fleet: SshdFleet;
let stack: TestStack;
let adminToken: string;
let aliceToken: string;

/** A fingerprint no server has: the host key "changed". */
const WRONG_KEY = `SHA256:${'A'.repeat(43)}`;

interface RunAnswer {
  runId: string;
  status: string;
  stopReason: string | null;
  summary: Record<string, number>;
  hosts: {
    target: string;
    status: string;
    exitCode: number | null;
    execTime: number | null;
    output: string;
    error: { code: string; message: string } | null;
  }[];
  groups: {
    targets: string[];
    label: string;
    status: string;
    exitCode: number | null;
    outputSha256: string | null;
    sample: string;
  }[];
}

async function runHttp(body: Record<string, unknown>, token = adminToken): Promise<RunAnswer> {
  const answer = await post(stack, '/api/runs', body, token);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as unknown as RunAnswer;
}

/**
 * Processes of the target account running this test's `sleep 7357`, on this machine (every
 * target is here; other test files run other sleeps meanwhile).
 */
function sleepsOnTargets(): number {
  try {
    return execFileSync('pgrep', ['-c', '-u', TEST_USER, '-f', '/bin/sleep -- 7357$'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map(Number)[0] as number;
  } catch {
    return 0;
  }
}

type Client = Awaited<ReturnType<typeof signedIn>>;

/** The run once it has ended, followed through its progress events (no polling). */
async function ended(client: Client, runId: string, timeoutMs: number) {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not end`)), timeoutMs);
    const subscription = client.trpc.runs.onProgress.subscribe(
      { runId },
      {
        onData: ({ data }) => {
          if (data.type !== 'end') return;
          clearTimeout(timer);
          subscription.unsubscribe();
          resolve();
        },
        onError: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      },
    );
  });
  return client.trpc.runs.byId.query({ runId });
}

beforeAll(async () => {
  fleet = await startSshdFleet({
    count: COUNT,
    labels: (i) => ({ role: i < 150 ? 'web' : 'db', env: i % 10 === 0 ? 'canary' : 'prod' }),
    // Sessions on two of the addresses see ODD=1: hosts that answer differently.
    extraConfig: ['Match LocalAddress 127.0.1.7,127.0.1.17', '  SetEnv ODD=1'],
    target: { maxConnections: 2, idleTimeoutMs: 120_000 },
  });
  const [first, second] = fleet.targets;
  if (first === undefined || second === undefined) throw new Error('the fleet has no targets');
  // Nothing listens on a fresh free port: connections are refused.
  const refusing = { ...first, id: 'refusing', port: await freePort() };
  const rekeyed = { ...second, id: 'rekeyed', hostKeySha256: WRONG_KEY };
  stack = await startTestStack({
    sshd: false,
    config: {
      targets: [
        { id: 'local', transport: 'local' },
        ...fleet.targets,
        { ...refusing, labels: { role: 'broken' } },
        { ...rekeyed, labels: { role: 'broken' } },
      ],
      roles: {
        // Alice may run commands on web-001 to web-099 only.
        operator: { commands: ['*'], targets: ['web-0*', 'local'] },
      },
      commands: {
        uptime: { path: '/usr/bin/uptime' },
        printenv: { path: '/usr/bin/printenv', args: { min: 1, max: 1, pattern: '[A-Z]+' } },
      },
      runs: { maxConcurrency: 64 },
    },
  });
  adminToken = (await signedIn(stack, 'admin')).token;
  aliceToken = (await signedIn(stack, 'alice')).token;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await fleet?.stop();
});

describe('a fleet run over HTTP', () => {
  it(`runs on ${COUNT} targets and answers every host, grouped`, async () => {
    const answer = await runHttp({
      command: 'echo fleet says hi',
      selector: 'role=web|db',
      concurrency: 32,
    });
    expect(answer.status).toBe('succeeded');
    expect(answer.summary).toEqual({
      total: COUNT,
      succeeded: COUNT,
      failed: 0,
      refused: 0,
      cancelled: 0,
      skipped: 0,
    });
    expect(answer.hosts).toHaveLength(COUNT);
    expect(new Set(answer.hosts.map((h) => h.target)).size).toBe(COUNT);
    for (const host of answer.hosts) {
      expect(host).toMatchObject({ status: 'succeeded', exitCode: 0, output: 'fleet says hi\n' });
    }
    expect(answer.groups).toHaveLength(1);
    expect(answer.groups[0]).toMatchObject({
      label: `web-[001-${COUNT}]`,
      status: 'succeeded',
      exitCode: 0,
      sample: 'fleet says hi\n',
    });
    expect(answer.groups[0]?.targets).toHaveLength(COUNT);
  }, 120_000);

  it('groups hosts whose results differ, and names the odd ones', async () => {
    const answer = await runHttp({
      command: 'printenv ODD',
      selector: 'role=web',
      concurrency: 32,
    });
    expect(answer.status).toBe('failed');
    expect(answer.summary).toMatchObject({ total: 150, succeeded: 2, failed: 148 });
    expect(answer.groups.map((g) => [g.label, g.status, g.exitCode, g.sample])).toEqual([
      ['web-[001-006,008-016,018-150]', 'failed', 1, ''],
      ['web-[007,017]', 'succeeded', 0, '1\n'],
    ]);
    expect(answer.groups[1]?.targets).toEqual(['web-007', 'web-017']);
  }, 60_000);

  it('refuses the hosts the policy refuses, records them, and runs the rest', async () => {
    const answer = await runHttp(
      { command: 'echo hello', targets: ['web-098', 'web-099', 'web-100', 'web-101'] },
      aliceToken,
    );
    expect(answer.summary).toMatchObject({ succeeded: 2, refused: 2 });
    const refused = answer.hosts.filter((h) => h.status === 'refused');
    expect(refused.map((h) => h.target)).toEqual(['web-100', 'web-101']);
    expect(refused[0]?.error?.code).toBe('target_not_permitted');
    const history = await post(stack, '/api/auth/validate', {}, aliceToken);
    expect(history.status).toBe(200);
  });

  it('fails a host that refuses connections and one whose host key changed, with their causes', async () => {
    const answer = await runHttp({
      command: 'echo hello',
      selector: 'role=broken',
      targets: ['web-001', 'web-002'],
    });
    const byTarget = new Map(answer.hosts.map((h) => [h.target, h]));
    expect(byTarget.get('web-001')?.status).toBe('succeeded');
    expect(byTarget.get('web-002')?.status).toBe('succeeded');
    expect(byTarget.get('refusing')?.status).toBe('failed');
    expect(byTarget.get('refusing')?.error?.code).toBe('connect_failed');
    expect(byTarget.get('rekeyed')?.status).toBe('failed');
    expect(byTarget.get('rekeyed')?.error?.code).toBe('host_key_mismatch');
    expect(answer.groups.map((g) => g.label).sort()).toEqual([
      'refusing',
      'rekeyed',
      'web-[001-002]',
    ]);
  });

  it('stops after N failures: the rest are skipped', async () => {
    const answer = await runHttp({
      command: 'echo hello',
      selector: 'role=broken',
      targets: fleet.targets.slice(0, 20).map((t) => t.id),
      concurrency: 1,
      maxFailures: 1,
    });
    // Config order: web-001..web-200, then refusing and rekeyed; with one at a time, the 20 web
    // hosts run first, then refusing fails and rekeyed is skipped.
    expect(answer.status).toBe('stopped');
    expect(answer.stopReason).toMatch(/after 1 failed host/);
    expect(answer.summary).toMatchObject({ succeeded: 20, failed: 1, skipped: 1 });
    expect(answer.hosts.find((h) => h.target === 'rekeyed')?.status).toBe('skipped');
  });

  it('says what is wrong with a request', async () => {
    const bad = await post(
      stack,
      '/api/runs',
      { command: 'echo', selector: 'role=(web)' },
      adminToken,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/Invalid selector "role=\(web\)" at "role=\(web\)"/);
    const none = await post(
      stack,
      '/api/runs',
      { command: 'echo', selector: 'role=nope' },
      adminToken,
    );
    expect(none.status).toBe(400);
    expect(none.body.error).toMatch(/matches no target/);
    const unknown = await post(
      stack,
      '/api/runs',
      { command: 'echo', targets: ['web-999'] },
      adminToken,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('Unknown target: web-999.');
  });
});

describe('a fleet run over tRPC', () => {
  it('cancelling leaves nothing running on any target', async () => {
    const client = await signedIn(stack, 'admin');
    try {
      const { runId } = await client.trpc.runs.start.mutate({
        command: 'sleep 7357',
        selector: 'role=web',
        concurrency: 20,
      });
      // The window full on the targets.
      await vi.waitFor(() => expect(sleepsOnTargets()).toBe(20), { timeout: 10_000 });
      expect(await client.trpc.runs.cancel.mutate({ runId })).toMatchObject({ cancelled: true });
      const run = await ended(client, runId, 10_000);
      expect(run.status).toBe('cancelled');
      expect(run.summary).toMatchObject({ cancelled: 20, skipped: 130, running: 0, pending: 0 });
      await vi.waitFor(() => expect(sleepsOnTargets()).toBe(0), { timeout: 5_000 });
    } finally {
      await client.close();
    }
  }, 60_000);

  it('progress resumes exactly after 10 dropped connections', async () => {
    const client = await signedIn(stack, 'admin');
    try {
      const { runId } = await client.trpc.runs.start.mutate({
        command: 'sleep 1',
        selector: '*',
        targets: [],
        concurrency: 25,
      });
      const events: { id: string; data: RunProgressEvent }[] = [];
      let drops = 0;
      await new Promise<void>((resolve, reject) => {
        const subscription = client.trpc.runs.onProgress.subscribe(
          { runId },
          {
            onData: ({ id, data }) => {
              events.push({ id, data });
              if (data.type === 'end') {
                subscription.unsubscribe();
                resolve();
                return;
              }
              if (drops < 10) {
                drops += 1;
                client.dropConnection();
              }
            },
            onError: reject,
          },
        );
      });
      expect(drops).toBe(10);
      const seqs = events.map((e) => Number(e.id));
      // Numbers only grow: nothing is sent twice.
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      // Every host's last state in the stream is its state in the record: nothing was missed.
      const last = new Map<string, string>();
      for (const { data } of events) {
        if (data.type === 'hosts') for (const h of data.hosts) last.set(h.target, h.status);
      }
      const run = await client.trpc.runs.byId.query({ runId });
      expect(run.hosts).toHaveLength(COUNT + 3);
      expect(Object.fromEntries(last)).toEqual(
        Object.fromEntries(run.hosts.map((h) => [h.target, h.status])),
      );
      expect(events.at(-1)?.data).toMatchObject({ type: 'end', status: 'failed' });
      expect(run.summary).toMatchObject({ succeeded: COUNT + 1, failed: 2 });
    } finally {
      await client.close();
    }
  }, 120_000);

  it('previews which targets match and whether the caller may run the command there', async () => {
    const client = await signedIn(stack, 'alice');
    try {
      const preview = await client.trpc.runs.preview.query({
        selector: 'env=canary,role=web',
        command: 'echo hi',
      });
      expect(preview.matched).toBe(15);
      expect(preview.allowed).toBe(10);
      const refused = preview.targets.find((t) => t.id === 'web-101');
      expect(refused).toMatchObject({ allowed: false, rule: 'roles.targets' });
      expect(refused?.labels).toEqual({ role: 'web', env: 'canary' });
    } finally {
      await client.close();
    }
  });

  it("lists a run's host executions by run, and leaves them out of the command history", async () => {
    const client = await signedIn(stack, 'admin');
    try {
      const answer = await runHttp({ command: 'echo listed', targets: ['web-004', 'web-005'] });
      const hosts = await client.trpc.exec.list.query({ runId: answer.runId, limit: 10 });
      expect(hosts.items.map((e) => [e.target, e.runId]).sort()).toEqual([
        ['web-004', answer.runId],
        ['web-005', answer.runId],
      ]);
      const alone = await client.trpc.exec.list.query({ excludeRuns: true, limit: 200 });
      expect(alone.items.every((e) => e.runId === null)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('retries only the hosts that did not succeed', async () => {
    const client = await signedIn(stack, 'admin');
    try {
      const first = await runHttp({
        command: 'echo again',
        selector: 'role=broken',
        targets: ['web-003'],
      });
      expect(first.summary).toMatchObject({ succeeded: 1, failed: 2 });
      const { runId } = await client.trpc.runs.retry.mutate({ runId: first.runId });
      const run = await ended(client, runId, 10_000);
      expect(run.retryOf).toBe(first.runId);
      expect(run.hosts.map((h) => h.target)).toEqual(['refusing', 'rekeyed']);
      const list = await client.trpc.runs.list.query({ limit: 2 });
      expect(list.items.map((r) => r.id)).toEqual([runId, first.runId]);
      expect(list.items[0]?.summary.total).toBe(2);
    } finally {
      await client.close();
    }
  });
});

describe('a fleet run and a restart', () => {
  it('goes on after the server restarts: the hosts it was running end interrupted, the rest run', async () => {
    const client = await signedIn(stack, 'admin');
    const { runId } = await client.trpc.runs.start.mutate({
      command: 'sleep 1',
      targets: fleet.targets.slice(0, 10).map((t) => t.id),
      concurrency: 2,
    });
    // The first two hosts' executions running when the server stops.
    await vi.waitFor(
      async () => {
        const { hosts } = await client.trpc.runs.byId.query({ runId });
        const started = hosts.filter((h) => h.status === 'running' && h.executionId !== null);
        expect(started.map((h) => h.target)).toEqual(['web-001', 'web-002']);
      },
      { timeout: 5_000, interval: 20 },
    );
    await client.close();
    stack = await stack.restart();
    const after = await signedIn(stack, 'admin');
    try {
      const run = await ended(after, runId, 20_000);
      expect(run.status).toBe('failed');
      expect(run.summary).toMatchObject({ total: 10, succeeded: 8, failed: 2 });
      const interrupted = run.hosts.filter((h) => h.status === 'failed');
      expect(interrupted.map((h) => [h.target, h.executionStatus])).toEqual([
        ['web-001', 'interrupted'],
        ['web-002', 'interrupted'],
      ]);
    } finally {
      await after.close();
    }
  }, 60_000);
});
