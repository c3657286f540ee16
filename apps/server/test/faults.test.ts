import { type ChildProcess, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pgrep, pkill, startSshd } from '@ogent/executor/testing';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { stringify } from 'yaml';
import { type TestStack, startTestStack, testConfig } from '../src/testing/index.js';
import { launchServer, signedIn, watch } from './helpers.js';

const stacks: TestStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

const marker = (): string => String(6_000_000 + Math.floor(Math.random() * 1_000_000));
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Starts `sleep SECONDS` on web-1 and waits until it runs on the target. */
async function sleepOnTarget(
  client: Awaited<ReturnType<typeof signedIn>>,
  user: string,
  seconds: string,
): Promise<string> {
  const { executionId } = await client.trpc.exec.execute.mutate({
    target: 'web-1',
    command: `sleep ${seconds}`,
  });
  await vi.waitFor(() => expect(pgrep(user, `^/bin/sleep -- ${seconds}$`)).toHaveLength(1), {
    timeout: 5_000,
  });
  return executionId;
}

describe('faults on the target', () => {
  it('sshd killed mid-command: the execution fails with a clear error, the server stays up, the next one reconnects', async () => {
    const stack = await startTestStack();
    stacks.push(stack);
    const sshd = stack.sshd;
    if (sshd === undefined) throw new Error('no sshd');
    const alice = await signedIn(stack, 'alice');
    const seconds = marker();
    try {
      const executionId = await sleepOnTarget(alice, sshd.username, seconds);
      const killedAt = Date.now();
      sshd.signal('SIGKILL');
      const result = await watch(alice, executionId);
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      expect(result.end.status).toBe('failed');
      // The executor's code reaches the client, so it can tell this from a host key mismatch.
      expect(result.end.error).toMatchObject({
        code: 'connection_lost',
        message: expect.stringContaining('Lost the connection to target web-1'),
      });

      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
      const back = await startSshd({ port: sshd.port, keysFrom: sshd.dir });
      try {
        const again = await alice.trpc.exec.execute.mutate({
          target: 'web-1',
          command: 'echo back',
        });
        const second = await watch(alice, again.executionId);
        expect(second.end).toMatchObject({ status: 'completed', exitCode: 0 });
        expect(second.stdout.toString()).toBe('back\n');
      } finally {
        await back.stop();
      }
    } finally {
      pkill(sshd.username, `^/bin/sleep -- ${seconds}$`);
      await alice.close();
    }
  });

  it('the network to the target stalls (sshd stopped): keepalive notices and the execution fails in time', async () => {
    const sshd = await startSshd();
    const fixtureDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-stall-'));
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-stall-data-'));
    const base = testConfig(sshd, fixtureDir, dataDir);
    const stack = await startTestStack({
      sshd: false,
      config: {
        targets: [sshd.target({ id: 'web-1', keepaliveIntervalMs: 500, keepaliveCountMax: 2 })],
        commands: base.commands,
      },
    });
    stacks.push(stack);
    const alice = await signedIn(stack, 'alice');
    const seconds = marker();
    try {
      const executionId = await sleepOnTarget(alice, sshd.username, seconds);
      const stoppedAt = Date.now();
      sshd.signal('SIGSTOP');
      const result = await watch(alice, executionId);
      const tookMs = Date.now() - stoppedAt;
      // Two missed keepalives 500 ms apart, then the connection is declared dead.
      expect(tookMs).toBeLessThan(5_000);
      expect(result.end.status).toBe('failed');
      expect(result.end.error).toMatchObject({
        code: 'connection_lost',
        message: expect.stringMatching(/Keepalive timeout/),
      });
    } finally {
      sshd.signal('SIGCONT');
      pkill(sshd.username, `^/bin/sleep -- ${seconds}$`);
      await alice.close();
      await sshd.stop();
      rmSync(fixtureDir, { recursive: true, force: true });
    }
  });
});

describe('faults between the server and its clients', () => {
  it('the WebSocket dropped 20 times during a 100 MB output: every byte arrives once, in order', async () => {
    const stack = await startTestStack();
    stacks.push(stack);
    const alice = await signedIn(stack, 'alice');
    try {
      const n = 13_000_000; // seq 1..13e6 is about 104 MB of short lines
      const expected = execFileSync('/usr/bin/seq', ['1', String(n)], { maxBuffer: 1 << 30 });
      const { executionId } = await alice.trpc.exec.execute.mutate({
        target: 'web-1',
        command: `seq 1 ${n}`,
      });
      let drops = 0;
      let messages = 0;
      const result = await watch(alice, executionId, {
        onMessage: () => {
          messages += 1;
          if (drops < 20 && messages % 15 === 0) {
            drops += 1;
            alice.dropConnection();
          }
        },
      });
      expect(drops).toBe(20);
      expect(result.stdout.length).toBe(expected.length);
      expect(sha(result.stdout)).toBe(sha(expected));
      const ids = result.ids.map(Number);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    } finally {
      await alice.close();
    }
  });

  it('a paused reader neither stops the command nor slows another user; it catches up from storage', async () => {
    const stack = await startTestStack();
    stacks.push(stack);
    const [alice, bob] = await Promise.all([signedIn(stack, 'alice'), signedIn(stack, 'bob')]);
    try {
      const n = 3_000_000; // about 21 MB
      const expected = execFileSync('/usr/bin/seq', ['1', String(n)], { maxBuffer: 1 << 30 });
      const { executionId } = await alice.trpc.exec.execute.mutate({
        target: 'web-1',
        command: `seq 1 ${n}`,
      });
      // A raw reader that stops reading its socket after the first frame.
      const socket = new WebSocket(`${stack.url.replace('http', 'ws')}/trpc?connectionParams=1`);
      await new Promise((resolve) => socket.once('open', resolve));
      const { encodeMessage } = await import('@ogent/wire');
      socket.send(encodeMessage({ method: 'connectionParams', data: { token: alice.token } }));
      socket.send(
        encodeMessage({
          id: 1,
          method: 'subscription',
          params: { path: 'exec.onOutput', input: { executionId } },
        }),
      );
      await new Promise((resolve) => socket.once('message', resolve));
      (socket as unknown as { _socket: { pause(): void } })._socket.pause();

      // The command runs to its end regardless, and bob's commands are served meanwhile.
      const bobs = await bob.trpc.exec.execute.mutate({
        target: 'web-1',
        command: 'echo unaffected',
      });
      expect((await watch(bob, bobs.executionId)).stdout.toString()).toBe('unaffected\n');
      await vi.waitFor(
        async () =>
          expect((await alice.trpc.exec.byId.query({ executionId })).status).toBe('completed'),
        {
          timeout: 30_000,
          interval: 100,
        },
      );
      socket.terminate();
      // Everything is in storage: a fresh watch gets all of it.
      const replay = await watch(alice, executionId);
      expect(sha(replay.stdout)).toBe(sha(expected));
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});

describe('the server killed with SIGKILL during runs', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  async function launch(configFile: string): Promise<{ process: ChildProcess; url: string }> {
    const launched = await launchServer(configFile);
    child = launched.process;
    return launched;
  }

  it('history is intact after a restart; the runs are interrupted, with their output so far', async () => {
    const sshd = await startSshd();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-kill-'));
    const fixtureDir = sshd.dir;
    writeFileSync(
      path.join(fixtureDir, 'emit.sh'),
      '#!/bin/sh\ni=1; while [ $i -le $1 ]; do echo "out $i"; sleep 0.$2; i=$((i+1)); done\n',
      {
        mode: 0o755,
      },
    );
    const config = testConfig(sshd, fixtureDir, dataDir);
    const configFile = path.join(dataDir, 'config.yaml');
    writeFileSync(
      configFile,
      stringify({ ...config, server: { ...config.server, logLevel: 'warn' } }),
    );
    try {
      const first = await launch(configFile);
      const stack = { url: first.url } as TestStack;
      const alice = await signedIn(stack, 'alice');
      const done = await alice.trpc.exec.execute.mutate({
        target: 'web-1',
        command: 'echo finished',
      });
      const before = await watch(alice, done.executionId);
      const running = await alice.trpc.exec.execute.mutate({
        target: 'web-1',
        command: 'emit 1000 1',
      });
      let seenLive = 0;
      await vi.waitFor(
        async () => {
          seenLive = (await alice.trpc.exec.byId.query({ executionId: running.executionId }))
            .lastSeq;
          expect(seenLive).toBeGreaterThan(5);
        },
        { timeout: 10_000, interval: 100 },
      );
      await alice.close();
      first.process.kill('SIGKILL');
      await new Promise((resolve) => first.process.once('exit', resolve));

      const second = await launch(configFile);
      const again = await signedIn({ url: second.url } as TestStack, 'alice');
      try {
        const replay = await watch(again, done.executionId);
        expect(replay.stdout.equals(before.stdout)).toBe(true);
        const record = await again.trpc.exec.byId.query({ executionId: running.executionId });
        expect(record.status).toBe('interrupted');
        // Output reaches the disk in batches every 20 ms: a kill can lose at most the last batch
        // (one line here, printed every 100 ms), never a line in the middle.
        expect(record.lastSeq).toBeGreaterThanOrEqual(seenLive - 1);
        const partial = await watch(again, running.executionId);
        const lines = partial.stdout.toString().split('\n').slice(0, -1);
        expect(lines.length).toBeGreaterThanOrEqual(seenLive - 1);
        expect(lines).toEqual(lines.map((_, i) => `out ${i + 1}`));
        expect(partial.end.status).toBe('interrupted');
      } finally {
        await again.close();
        second.process.kill('SIGTERM');
        await new Promise((resolve) => second.process.once('exit', resolve));
      }
    } finally {
      // Only this test's script: other suites' tests run as the same user at the same time.
      pkill(sshd.username, path.join(fixtureDir, 'emit.sh'));
      await sshd.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
