import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '@ogent/executor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import {
  ConfigError,
  DEFAULT_CONFIG,
  loadConfigFile,
  parseConfig,
  startServer,
} from '../src/index.js';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { post, signedIn, trpcError, watch } from './helpers.js';

const stacks: TestStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

async function stack(options: Parameters<typeof startTestStack>[0] = {}): Promise<TestStack> {
  const started = await startTestStack(options);
  stacks.push(started);
  return started;
}

describe('history survives a restart', () => {
  it('finished executions and their output are there after a restart; running ones become interrupted', async () => {
    const first = await stack();
    const alice = await signedIn(first, 'alice');
    const done = await alice.trpc.exec.execute.mutate({ target: 'web-1', command: 'emit 20' });
    const before = await watch(alice, done.executionId);
    const refused = await trpcError(
      alice.trpc.exec.execute.mutate({ target: 'web-1', command: 'ls | id' }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    // A long command that prints, then waits: it is still running when the server stops.
    const running = await alice.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'emit 100 2',
    });
    await vi.waitFor(
      async () =>
        expect(
          (await alice.trpc.exec.byId.query({ executionId: running.executionId })).lastSeq,
        ).toBeGreaterThan(2),
      { timeout: 10_000, interval: 100 },
    );
    await alice.close();

    const second = await first.restart();
    stacks[0] = second;
    // The graceful stop recorded the running execution itself: nothing was left to recover.
    expect(second.server.recoveredInterrupted).toBe(0);
    const again = await signedIn(second, 'alice');
    try {
      const replay = await watch(again, done.executionId);
      expect(replay.all.equals(before.all)).toBe(true);
      expect(replay.end).toMatchObject({ status: 'completed', exitCode: 0 });

      const interrupted = await again.trpc.exec.byId.query({ executionId: running.executionId });
      expect(interrupted.status).toBe('interrupted');
      const partial = await watch(again, running.executionId);
      expect(partial.end.status).toBe('interrupted');
      expect(partial.stdout.toString()).toMatch(/^out 1\nout 2\n/);
      expect(partial.stdout.length).toBe(interrupted.outputBytes - partial.stderr.length);

      const { items } = await again.trpc.exec.list.query({ status: 'refused' });
      expect(items.map((e) => e.input)).toContain('ls | id');
    } finally {
      await again.close();
    }
  });
});

describe('tokens and the WebSocket', () => {
  it('the server closes a WebSocket when its token expires, and refuses calls after it', async () => {
    // The server's time moves when the test moves it: the expiry comes at once, and exactly.
    const clock = new ManualClock(Date.now());
    const s = await stack({
      sshd: false,
      clock,
      config: { auth: { tokenTtl: '2s', maxLoginFailures: 5, loginWindow: '15m' } },
    });
    const { body } = await post(s, '/api/auth/login', {
      username: 'alice',
      password: 'alice-password-1',
    });
    const expiresAt = Date.parse(String(body.expiresAt));
    const socket = new WebSocket(`${s.url.replace('http', 'ws')}/trpc?connectionParams=1`);
    let closed: { code: number; at: number } | undefined;
    socket.on('close', (code) => {
      closed = { code, at: clock.now() };
    });
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ method: 'connectionParams', data: { token: body.token } }));
    // Authorised: a call on the socket is answered while the token is valid.
    socket.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me' } }));
    await new Promise((resolve) => socket.once('message', resolve));

    // The session's authority is in milliseconds, the token's expiry in whole seconds: the
    // socket closes within a second before the announced expiry, not earlier.
    clock.advance(Math.max(0, expiresAt - 1_100 - clock.now()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBeUndefined();
    clock.advance(2_200);
    // The socket's timer is set again after each look at the session: run what falls due.
    await vi.waitFor(() => {
      clock.advance(0);
      expect(closed).toBeDefined();
    });
    expect(closed?.code).toBe(4001);
    expect(closed?.at).toBeGreaterThanOrEqual(expiresAt - 1_000);
    const late = await post(s, '/api/auth/validate', {}, String(body.token));
    expect(late.status).toBe(401);
    expect(String(late.body.error)).toContain('expired');
  });

  it('refuses a token in the URL and a foreign Origin', async () => {
    const s = await stack({ sshd: false });
    const status = (url: string, headers: Record<string, string> = {}): Promise<number> =>
      new Promise((resolve) => {
        const socket = new WebSocket(url, { headers });
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
      });
    const base = `${s.url.replace('http', 'ws')}/trpc`;
    expect(await status(`${base}?token=abc`)).toBe(400);
    expect(await status(base, { origin: 'https://evil.example' })).toBe(403);
    expect(await status(base, { origin: s.url })).toBe(101);
    expect(await status(base)).toBe(101);
  });
});

describe('shutting down', () => {
  it('refuses new executions while it stops the running ones, and records those itself', async () => {
    const s = await stack({ sshd: false });
    const alice = await signedIn(s, 'alice');
    const user = await s.server.services.auth.authenticate(alice.token);
    await alice.close();
    await s.server.services.executions.execute(user, {
      target: 'local',
      command: 'sleep 30',
      source: 'trpc',
    });
    const closing = s.server.close();
    await expect(
      s.server.services.executions.execute(user, {
        target: 'local',
        command: 'echo late',
        source: 'trpc',
      }),
      // The service speaks domain errors; each adapter maps them (503 over HTTP).
    ).rejects.toMatchObject({ code: 'unavailable' });
    await closing;
    const again = await s.restart();
    stacks[stacks.indexOf(s)] = again;
    expect(again.server.recoveredInterrupted).toBe(0);
  });
});

describe('limits', () => {
  it('a user over the concurrency limit gets a clear TOO_MANY_REQUESTS, recorded', async () => {
    const s = await stack({
      sshd: false,
      config: {
        limits: {
          maxConcurrentPerUser: 2,
          timeoutMs: 60_000,
          maxOutputBytes: 1 << 20,
          maxInputLength: 4096,
        },
      },
    });
    const alice = await signedIn(s, 'alice');
    try {
      await alice.trpc.exec.execute.mutate({ target: 'local', command: 'sleep 30' });
      await alice.trpc.exec.execute.mutate({ target: 'local', command: 'sleep 30' });
      const error = await trpcError(
        alice.trpc.exec.execute.mutate({ target: 'local', command: 'sleep 30' }),
      );
      expect(error.code).toBe('TOO_MANY_REQUESTS');
      expect(error.message).toContain('limit 2');
      const { items } = await alice.trpc.exec.list.query({ limit: 1 });
      expect(items[0]).toMatchObject({ status: 'refused', refusalCode: 'too_many_running' });

      // A retry with the same idempotency key after a 429 runs once there is room; the same
      // key for another command is a conflict.
      const busy = await trpcError(
        alice.trpc.exec.execute.mutate({
          target: 'local',
          command: 'echo retried',
          idempotencyKey: 'k-429',
        }),
      );
      expect(busy.code).toBe('TOO_MANY_REQUESTS');
      for (const running of (await alice.trpc.exec.list.query({ status: 'running' })).items) {
        await alice.trpc.exec.cancel.mutate({ executionId: running.id });
      }
      await vi.waitFor(async () =>
        expect((await alice.trpc.exec.list.query({ status: 'running' })).items).toEqual([]),
      );
      const retried = await alice.trpc.exec.execute.mutate({
        target: 'local',
        command: 'echo retried',
        idempotencyKey: 'k-429',
      });
      expect((await watch(alice, retried.executionId)).stdout.toString()).toBe('retried\n');
      const conflict = await trpcError(
        alice.trpc.exec.execute.mutate({
          target: 'local',
          command: 'echo other',
          idempotencyKey: 'k-429',
        }),
      );
      expect(conflict.code).toBe('CONFLICT');
    } finally {
      await alice.close();
    }
  });

  it('output beyond the cap is cut and the execution marked truncated', async () => {
    const s = await stack({
      sshd: false,
      config: {
        limits: {
          maxConcurrentPerUser: 4,
          timeoutMs: 60_000,
          maxOutputBytes: 10_000,
          maxInputLength: 4096,
        },
      },
    });
    const alice = await signedIn(s, 'alice');
    try {
      const { executionId } = await alice.trpc.exec.execute.mutate({
        target: 'local',
        command: 'seq 1 100000',
      });
      const result = await watch(alice, executionId);
      expect(result.end).toMatchObject({
        status: 'truncated',
        truncated: true,
        outputBytes: 10_000,
      });
      expect(result.stdout.length).toBe(10_000);
    } finally {
      await alice.close();
    }
  });
});

describe('configuration', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-config-'));
  afterEach(() => rmSync(path.join(dir, 'c.yaml'), { force: true }));

  const load = (yaml: string, env: NodeJS.ProcessEnv = {}): unknown => {
    writeFileSync(path.join(dir, 'c.yaml'), yaml);
    return loadConfigFile(path.join(dir, 'c.yaml'), env);
  };
  const minimal = `
roles: { operator: { commands: [echo], targets: ["*"] } }
targets: [{ id: local, transport: local }]
commands: { echo: { path: /bin/echo, args: { max: 4 } } }
`;

  it('accepts the documented shape, with ${ENV} substitution and paths made absolute', () => {
    const config = load(
      `${minimal}users: [{ username: alice, password: "\${ALICE_PASSWORD}", roles: [operator] }]\n`,
      { ALICE_PASSWORD: 'from-the-env-1' },
    ) as { users: { password: string }[]; server: { dataDir: string } };
    expect(config.users[0]?.password).toBe('from-the-env-1');
    expect(config.server.dataDir).toBe(path.join(dir, 'data'));
  });

  it.each([
    [
      `${minimal}users: [{ username: alice, password: "\${NOPE}", roles: [operator] }]\n`,
      /users\[0\]\.password: environment variable NOPE is not set/,
    ],
    [minimal.replace('/bin/echo', 'echo'), /commands\.echo\.path: must be an absolute path/],
    [minimal.replace('targets: ["*"]', 'targets: ["*"], colour: red'), /roles\.operator: .*colour/],
    [`${minimal}server: { port: "http" }\n`, /server\.port: /],
    [
      minimal.replace('commands: [echo]', 'commands: [rm]'),
      /roles\.operator\.commands\[0\]: unknown command "rm"/,
    ],
    [
      `${minimal}users: [{ username: a, password: short, roles: [operator] }]\n`,
      /users\[0\]\.password: must be at least 8/,
    ],
    [
      `${minimal}users: [{ username: a, passwordHash: "scrypt$not-a-hash", roles: [operator] }]\n`,
      /users\[0\]\.passwordHash: must be a scrypt/,
    ],
    [
      `${minimal}users: [{ username: a, password: long-enough, roles: [ghost] }]\n`,
      /users\[0\]\.roles\[0\]: unknown role "ghost"/,
    ],
    ['targets: [', /not valid YAML/],
  ])('names the bad key: %#', (yaml, message) => {
    expect(() => load(yaml)).toThrow(ConfigError);
    expect(() => load(yaml)).toThrow(message);
  });

  it('the embedded default config is valid and bootstraps an admin with a printed, generated password', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-default-'));
    const printed: string[] = [];
    const config = parseConfig(
      {
        ...DEFAULT_CONFIG,
        server: { ...DEFAULT_CONFIG.server, port: 0, dataDir, logLevel: 'silent' },
      },
      {
        source: 'default',
        baseDir: dataDir,
      },
    );
    const server = await startServer({
      config,
      bootstrapAdmin: true,
      announce: (t) => printed.push(t),
      env: {},
    });
    try {
      const password = /\n {6}(\S+)\n/.exec(printed.join(''))?.[1] ?? '';
      // Letters and digits without look-alikes: nothing a terminal drops on a double-click.
      expect(password).toMatch(/^[A-HJ-NP-Za-km-z2-9]{22}$/);
      const login = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const run = await fetch(`${server.url}/api/command`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ command: 'uname -s', target: 'local' }),
      });
      expect(await run.json()).toMatchObject({
        status: 'completed',
        exitCode: 0,
        output: 'Linux\n',
      });
    } finally {
      await server.close();
    }
    // Second start: the password is not printed again, and it still works.
    const again = await startServer({
      config,
      bootstrapAdmin: true,
      announce: (t) => printed.push(`AGAIN${t}`),
      env: {},
    });
    await again.close();
    expect(printed.join('')).not.toContain('AGAIN');
    rmSync(dataDir, { recursive: true, force: true });
  });
});
