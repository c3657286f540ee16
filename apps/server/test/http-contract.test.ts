import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COMMAND_LENGTH } from '@ogent/api';
import { MAX_JSON_BODY } from '../src/http/body.js';
import { TEST_USERS, type TestStack, startTestStack } from '../src/testing/index.js';
import { post } from './helpers.js';

let stack: TestStack;
let token: string;

beforeAll(async () => {
  stack = await startTestStack({
    config: { auth: { tokenTtl: '1h', maxLoginFailures: 3, loginWindow: '15m' } },
  });
  const { body } = await post(stack, '/api/auth/login', TEST_USERS.alice);
  token = String(body.token);
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /api/auth/login', () => {
  it('200 with a token and its expiry', async () => {
    const { status, body } = await post(stack, '/api/auth/login', TEST_USERS.bob);
    expect(status).toBe(200);
    expect(body.token).toEqual(expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/));
    expect(Date.parse(String(body.expiresAt))).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('401 for a wrong password or an unknown user, with the same message', async () => {
    const wrong = await post(stack, '/api/auth/login', {
      username: 'bob',
      password: 'not-his-password',
    });
    const unknown = await post(stack, '/api/auth/login', {
      username: 'nobody',
      password: 'whatever-password',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toBe(unknown.body.error);
  });

  it('400 for a malformed body', async () => {
    expect((await post(stack, '/api/auth/login', '{not json')).status).toBe(400);
    expect((await post(stack, '/api/auth/login', { username: 'x' })).status).toBe(400);
    expect((await post(stack, '/api/auth/login', [])).status).toBe(400);
  });

  it('429 after repeated failures for one account from one address, with Retry-After', async () => {
    // Three free failures, and a fourth that makes the next attempt from this address wait.
    for (let i = 0; i < 4; i += 1) {
      expect(
        (await post(stack, '/api/auth/login', { username: 'viewer', password: `guess-${i}-xxxx` }))
          .status,
      ).toBe(401);
    }
    const limited = await post(stack, '/api/auth/login', TEST_USERS.viewer);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('POST /api/auth/validate', () => {
  it('200 with the user and their permissions', async () => {
    const { status, body } = await post(stack, '/api/auth/validate', {}, token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ valid: true, user: { username: 'alice', roles: ['operator'] } });
    const permissions = body.permissions as { targets: { id: string; commands: string[] }[] };
    expect(permissions.targets.map((t) => t.id)).toEqual(['local', 'web-1']);
    expect(permissions.targets[0]?.commands).toContain('echo');
  });

  it('401 with valid:false for a missing, malformed or tampered token', async () => {
    const missing = await post(stack, '/api/auth/validate', {});
    expect(missing).toMatchObject({ status: 401, body: { valid: false } });
    const garbage = await post(stack, '/api/auth/validate', {}, 'not-a-token');
    expect(garbage).toMatchObject({ status: 401, body: { valid: false } });
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(payload ?? '', 'base64url')
      .toString()
      .replace('"alice"', '"admin"');
    const tampered = `${header}.${Buffer.from(forged).toString('base64url')}.${signature}`;
    const result = await post(stack, '/api/auth/validate', {}, tampered);
    expect(result).toMatchObject({ status: 401, body: { valid: false } });
    expect(String(result.body.error)).not.toContain(tampered);
  });
});

describe('POST /api/command', () => {
  it('200 with status, exit code, time and output once the command has run', async () => {
    const { status, body } = await post(
      stack,
      '/api/command',
      { command: 'echo hi there', target: 'web-1' },
      token,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'completed',
      exitCode: 0,
      output: 'hi there\n',
      stdout: 'hi there\n',
      stderr: '',
    });
    expect(body.executionId).toEqual(expect.any(String));
    expect(body.execTime).toEqual(expect.any(Number));
  });

  it('returns at most 4 MiB of output inline, and says where the rest is', async () => {
    const { body } = await post(
      stack,
      '/api/command',
      { command: 'seq 1 1000000', target: 'local' },
      token,
    );
    expect(body).toMatchObject({ status: 'completed', exitCode: 0, outputCut: true });
    expect(Buffer.byteLength(String(body.output))).toBe(4 * 1024 * 1024);
    const full = await fetch(`${stack.url}${String(body.outputUrl)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await full.text()).length).toBe(6_888_896);
  });

  it('params are passed as literal arguments, never interpreted', async () => {
    const { body } = await post(
      stack,
      '/api/command',
      { command: 'echo', target: 'web-1', params: ['$HOME', '; id', "it's"] },
      token,
    );
    expect(body.output).toBe("$HOME ; id it's\n");
  });

  it('a non-zero exit is still a completed command, with its exit code and stderr', async () => {
    const { status, body } = await post(
      stack,
      '/api/command',
      { command: 'ls /nonexistent-dir', target: 'web-1' },
      token,
    );
    expect(status).toBe(200);
    expect(body.status).toBe('completed');
    expect(body.exitCode).toBe(2);
    expect(String(body.stderr)).toContain('No such file or directory');
  });

  it('401 without a token or with a bad one', async () => {
    expect((await post(stack, '/api/command', { command: 'echo x', target: 'local' })).status).toBe(
      401,
    );
    expect(
      (await post(stack, '/api/command', { command: 'echo x', target: 'local' }, 'x.y.z')).status,
    ).toBe(401);
  });

  it('403 "Command not permitted" with the reason', async () => {
    const { status, body } = await post(
      stack,
      '/api/command',
      { command: 'cat /etc/shadow', target: 'web-1' },
      token,
    );
    expect(status).toBe(403);
    expect(body.error).toBe('Command not permitted');
    expect(String(body.reason)).toContain('/etc/shadow');
    expect(body.executionId).toEqual(expect.any(String));
  });

  it('400 for a malformed body, 404 for an unknown target, 405 for a wrong method, 413 when too large', async () => {
    expect((await post(stack, '/api/command', { target: 'local' }, token)).status).toBe(400);
    expect(
      (await post(stack, '/api/command', { command: 42, target: 'local' }, token)).status,
    ).toBe(400);
    expect((await post(stack, '/api/command', '{"command":', token)).status).toBe(400);
    expect(
      (await post(stack, '/api/command', { command: 'echo x', target: 'nope' }, token)).status,
    ).toBe(404);
    const get = await fetch(`${stack.url}/api/command`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(get.status).toBe(405);
    // One command-length limit for every client: the router's (1 MiB), then the policy's.
    const long = await post(
      stack,
      '/api/command',
      { command: `echo ${'x'.repeat(200_000)}`, target: 'local' },
      token,
    );
    expect(long).toMatchObject({ status: 403, body: { refusalCode: 'too_long' } });
    const overRouter = await post(
      stack,
      '/api/command',
      { command: 'x'.repeat(MAX_COMMAND_LENGTH + 1), target: 'local' },
      token,
    );
    expect(overRouter.status).toBe(400);
    expect(overRouter.body.error).toMatch(/^Invalid request: command: /);
    const huge = await post(
      stack,
      '/api/command',
      { command: 'x'.repeat(MAX_JSON_BODY), target: 'local' },
      token,
    );
    expect(huge.status).toBe(413);
  });

  it('unknown endpoints are 404 JSON', async () => {
    const { status, body } = await post(stack, '/api/nope', {}, token);
    expect(status).toBe(404);
    expect(body.error).toEqual(expect.any(String));
  });
});

describe('server basics', () => {
  it('/healthz names the instance and the state of its backends', async () => {
    const response = await fetch(`${stack.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      instance: expect.stringMatching(/^[0-9a-f-]{36}$/),
      running: expect.any(Number),
      backends: { database: 'ok' },
      storage: {
        executions: expect.any(Number),
        outputBytes: expect.any(Number),
        maxOutputBytes: null,
        nextPruneAt: expect.any(Number),
        nextPruneFrees: 0,
      },
    });
  });

  it('publishes its token verification key', async () => {
    const response = await fetch(`${stack.url}/.well-known/jwks.json`);
    const { keys } = (await response.json()) as { keys: { kty: string; d?: string }[] };
    expect(keys[0]?.kty).toBe('OKP');
    expect(keys[0]?.d).toBeUndefined();
  });

  it('tRPC over HTTP refuses a call without a token', async () => {
    const response = await fetch(`${stack.url}/trpc/targets.list`);
    expect(response.status).toBe(401);
  });
});

describe('GET /api/audit?follow=1', () => {
  it('stays open and sends each new event as it is recorded', async () => {
    const { body } = await post(stack, '/api/auth/login', TEST_USERS.admin);
    const closing = new AbortController();
    const response = await fetch(`${stack.url}/api/audit?follow=1`, {
      headers: { authorization: `Bearer ${String(body.token)}` },
      signal: closing.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const recorded = (type: string, actor: string, subject?: unknown): boolean =>
      text
        .split('\n')
        // The last piece is a line still on its way (or nothing).
        .slice(0, -1)
        .some((line) => {
          const event = JSON.parse(line) as { type: string; actor: string | null; subject: string };
          return (
            event.type === type &&
            event.actor === actor &&
            (subject === undefined || event.subject === subject)
          );
        });
    const readUntil = async (done: () => boolean): Promise<void> => {
      while (!done()) {
        const next = await reader.read();
        if (next.done) throw new Error('the stream ended');
        text += decoder.decode(next.value, { stream: true });
      }
    };
    // The admin's own sign-in is in the trail already; alice's command comes while it is open.
    await readUntil(() => recorded('auth.sign_in', 'admin'));
    const ran = await post(
      stack,
      '/api/command',
      { command: 'echo later', target: 'local' },
      token,
    );
    expect(ran.status).toBe(200);
    await readUntil(() => recorded('execution.attempt', 'alice', ran.body.executionId));
    closing.abort();
  });
});
