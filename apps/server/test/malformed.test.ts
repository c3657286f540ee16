import net from 'node:net';
import { MAX_JSON_BODY } from '../src/http/body.js';
import {
  type MockInstance,
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  vi,
} from 'vitest';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import {
  type RawResponse,
  expectHealthy,
  openSocket,
  request,
  signedIn,
  trpcError,
  watch,
} from './helpers.js';

/**
 * Requests no client should send. Each gets a clear 4xx with a JSON error: never a 500, never a
 * crash. After each, the server still answers and another user's work goes on unaffected.
 */

let stack: TestStack;
let alice: Awaited<ReturnType<typeof signedIn>>;
let bob: Awaited<ReturnType<typeof signedIn>>;
let unexpectedErrors: MockInstance<(...args: unknown[]) => void>;

beforeAll(async () => {
  stack = await startTestStack({ sshd: false });
  [alice, bob] = await Promise.all([signedIn(stack, 'alice'), signedIn(stack, 'bob')]);
  // The server logs at error level exactly when it answers 500 or a procedure fails unexpectedly.
  unexpectedErrors = vi.spyOn(stack.server.logger, 'error');
});

afterEach(async () => {
  expect(unexpectedErrors.mock.calls).toEqual([]);
  unexpectedErrors.mockClear();
  await expectHealthy(stack, bob);
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await stack?.stop();
});

const json = { 'content-type': 'application/json' };
const auth = (): Record<string, string> => ({ authorization: `Bearer ${alice.token}` });

/** The message of a JSON error, from the HTTP contract (`{error}`) or tRPC (`{error: {message}}`). */
function errorMessage(body: unknown): string | undefined {
  // A tRPC batch answers with one result per call.
  if (Array.isArray(body)) return errorMessage(body[0]);
  const error = (body as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * A 4xx answer with this status and a JSON error message. (tRPC labels its 415 answer
 * text/plain although the body is JSON, hence `labelled`.)
 */
function expectClientError(response: RawResponse, status: number, labelled = true): void {
  expect(response.status, response.text.slice(0, 300)).toBe(status);
  if (labelled) expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(errorMessage(response.json)).toEqual(expect.stringMatching(/\w/));
}

const command = (body: string | Uint8Array, headers: Record<string, string> = json) =>
  request(stack, '/api/command', { method: 'POST', headers: { ...auth(), ...headers }, body });

describe('the HTTP contract', () => {
  it.each([
    ['a number for the command', { command: 42, target: 'local' }],
    ['an array for the target', { command: 'echo x', target: ['local'] }],
    ['params as a string', { command: 'echo', target: 'local', params: 'x' }],
    ['a number in params', { command: 'echo', target: 'local', params: [1] }],
    ['an object as idempotency key', { command: 'echo x', target: 'local', idempotencyKey: {} }],
    ['no command', { target: 'local' }],
    ['no target', { command: 'echo x' }],
    ['an empty object', {}],
    ['null', null],
    ['an array', []],
    ['a string', 'echo x'],
    ['a number', 1],
    ['too many params', { command: 'echo', target: 'local', params: Array(65).fill('x') }],
  ])('400 for %s', async (_what, body) => {
    const response = await command(JSON.stringify(body));
    expectClientError(response, 400);
    expect(errorMessage(response.json)).toMatch(/^Invalid request/);
  });

  it('400 for wrong types at sign-in', async () => {
    for (const body of [{ username: 1, password: 'x' }, { username: 'alice' }, [], null]) {
      expectClientError(
        await request(stack, '/api/auth/login', {
          method: 'POST',
          headers: json,
          body: JSON.stringify(body),
        }),
        400,
      );
    }
  });

  it('400 for a body that is not JSON, empty, or not UTF-8', async () => {
    expectClientError(await command('{"command":'), 400);
    expectClientError(await command(''), 400);
    const notUtf8 = Buffer.concat([
      Buffer.from('{"command":"echo '),
      Buffer.from([0xff, 0xfe, 0xc0, 0xaf]),
      Buffer.from('","target":"local"}'),
    ]);
    const response = await command(notUtf8);
    expectClientError(response, 400);
    expect(errorMessage(response.json)).toContain('UTF-8');
  });

  it('400 for JSON nested 60,000 levels deep, closed or not', async () => {
    expectClientError(await command('['.repeat(60_000)), 400);
    expectClientError(await command(`${'['.repeat(30_000)}${']'.repeat(30_000)}`), 400);
    expectClientError(await command(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`), 400);
  });

  it('415 for a body that is not declared as JSON', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'application/json-patch+json',
    ]) {
      expectClientError(
        await command('{"command":"echo x","target":"local"}', { 'content-type': type }),
        415,
      );
    }
  });

  it('413 for a body over the limit', async () => {
    const response = await command(
      JSON.stringify({ command: 'x'.repeat(MAX_JSON_BODY), target: 'local' }),
    );
    expectClientError(response, 413);
  });

  it.each([
    ['a Content-Length', (size: number) => `Content-Length: ${size}\r\n`],
    ['chunked transfer', () => 'Transfer-Encoding: chunked\r\n'],
  ])('413 for a multi-megabyte body with %s, without reading it all', async (_how, header) => {
    const total = 256 * 1024 * 1024;
    const chunked = header(0).startsWith('Transfer');
    const socket = net.connect(stack.server.port, '127.0.0.1');
    let answer = '';
    let closed = false;
    socket.on('data', (data) => {
      answer += data.toString();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /api/command HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${alice.token}\r\n${header(total)}\r\n`,
    );
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    let sent = 0;
    while (!closed && sent < total) {
      const frame = chunked
        ? Buffer.concat([
            Buffer.from(`${chunk.length.toString(16)}\r\n`),
            chunk,
            Buffer.from('\r\n'),
          ])
        : chunk;
      sent += chunk.length;
      if (!socket.write(frame)) {
        await new Promise((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
      }
    }
    await vi.waitFor(() => expect(closed).toBe(true));
    // The server answered and hung up long before the client was done sending.
    expect(sent).toBeLessThan(total / 4);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain(`"error":"The request body is larger than ${MAX_JSON_BODY} bytes."`);
  });

  it('404 for an unknown target, recorded; its record downloads with a safe file name', async () => {
    for (const target of ['nope', 'x"\r\nSet-Cookie: a=b', '\u00fc\u20ac/..\\']) {
      const response = await command(JSON.stringify({ command: 'echo x', target }));
      expectClientError(response, 404);
      const { items } = await alice.trpc.exec.list.query({ target, limit: 1 });
      expect(items[0]).toMatchObject({ target, status: 'refused', refusalCode: 'unknown_target' });
      const download = await fetch(`${stack.url}/api/executions/${items[0]?.id}/output`, {
        headers: auth(),
      });
      expect(download.status).toBe(200);
      expect(download.headers.get('set-cookie')).toBeNull();
      expect(download.headers.get('content-disposition')).toMatch(
        /^attachment; filename="ogent-[A-Za-z0-9._-]+-echo_x-\d{8}T\d{6}Z\.txt"$/,
      );
      await download.arrayBuffer();
    }
    const overTrpc = await trpcError(
      alice.trpc.exec.execute.mutate({ target: 'nope', command: 'echo x' }),
    );
    expect(overTrpc).toMatchObject({ code: 'NOT_FOUND', message: 'Unknown target nope.' });
  });

  it('431 for headers over the limit, with a JSON error like every other answer', async () => {
    const response = await request(stack, '/api/auth/validate', {
      method: 'POST',
      headers: { authorization: `Bearer ${'a'.repeat(20_000)}` },
    });
    expect(response.status).toBe(431);
    expect(errorMessage(JSON.parse(response.text))).toBe('Request headers too large.');
  });

  it('404 for an execution id that does not exist, 400 for one that is not an id', async () => {
    const get = (id: string) => request(stack, `/api/executions/${id}/output`, { headers: auth() });
    expectClientError(await get(crypto.randomUUID()), 404);
    expectClientError(await get('00000000-0000-0000-0000-000000000000'), 404);
    for (const garbage of [
      'x',
      '------------------------------------',
      "'%20OR%201=1",
      'a'.repeat(5_000),
    ]) {
      expectClientError(await get(garbage), 400);
    }
  });

  it('405 for a wrong method, 404 for an unknown endpoint, 401 before anything without a token', async () => {
    expectClientError(
      await request(stack, '/api/command', { method: 'PUT', headers: auth() }),
      405,
    );
    expectClientError(
      await request(stack, '/api/command', { method: 'DELETE', headers: auth() }),
      405,
    );
    expectClientError(await request(stack, '/api/auth/login'), 405);
    expectClientError(
      await request(stack, '/api/nope', { method: 'POST', headers: json, body: '{}' }),
      404,
    );
    expectClientError(await request(stack, '/', { method: 'PATCH' }), 405);
    expectClientError(
      await request(stack, '/api/command', {
        method: 'POST',
        headers: json,
        body: '['.repeat(50_000),
      }),
      401,
    );
  });
});

describe('tRPC', () => {
  const query = (path: string, input: unknown, headers: Record<string, string> = auth()) =>
    request(stack, `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers });

  it('400 for wrong types and missing fields', async () => {
    const execute = (body: unknown) =>
      request(stack, '/trpc/exec.execute', {
        method: 'POST',
        headers: { ...auth(), ...json },
        body: JSON.stringify(body),
      });
    for (const body of [{}, { target: 'local' }, { target: 'local', command: 1 }, [], null, 'x']) {
      expectClientError(await execute(body), 400);
    }
    expectClientError(await query('exec.list', { limit: 1e308 }), 400);
    expectClientError(await query('exec.list', { limit: -1 }), 400);
    expectClientError(await query('exec.list', { status: 'hacked' }), 400);
  });

  it('400 for input JSON nested 100,000 levels deep', async () => {
    for (const body of ['['.repeat(100_000), `${'['.repeat(100_000)}${']'.repeat(100_000)}`]) {
      expectClientError(
        await request(stack, '/trpc/exec.execute', {
          method: 'POST',
          headers: { ...auth(), ...json },
          body,
        }),
        400,
      );
    }
  });

  it('415 for a body not declared as JSON, 405 for a mutation over GET', async () => {
    const body = JSON.stringify({ target: 'local', command: 'echo x' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      expectClientError(
        await request(stack, '/trpc/exec.execute', {
          method: 'POST',
          headers: { ...auth(), 'content-type': type },
          body,
        }),
        415,
        false,
      );
    }
    expectClientError(await query('exec.execute', { target: 'local', command: 'echo x' }), 405);
  });

  it('NOT_FOUND for an execution id that does not exist, BAD_REQUEST for one that is not an id', async () => {
    for (const id of [crypto.randomUUID(), '00000000-0000-0000-0000-000000000000']) {
      expect((await trpcError(alice.trpc.exec.byId.query({ executionId: id }))).code).toBe(
        'NOT_FOUND',
      );
      expect((await trpcError(alice.trpc.exec.cancel.mutate({ executionId: id }))).code).toBe(
        'NOT_FOUND',
      );
      expect((await trpcError(watch(alice, id))).code).toBe('NOT_FOUND');
    }
    for (const id of ['x', '../../etc/passwd', 'a'.repeat(10_000), '']) {
      expect((await trpcError(alice.trpc.exec.byId.query({ executionId: id }))).code).toBe(
        'BAD_REQUEST',
      );
      expect((await trpcError(watch(alice, id))).code).toBe('BAD_REQUEST');
    }
    expectClientError(await query('exec.byId', { executionId: 12 }), 400);
  });

  it('BAD_REQUEST for an invalid lastEventId; a valid one past the end replays nothing', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'echo x',
    });
    const full = await watch(alice, executionId);
    for (const lastEventId of [
      '-1',
      '1e308',
      'x',
      '1.5',
      ' 1',
      '0x10',
      '9'.repeat(16),
      'Infinity',
    ]) {
      const error = await trpcError(watch(alice, executionId, { lastEventId }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toContain('Invalid lastEventId');
    }
    // Past the end: the subscription completes with nothing to send.
    const socket = await openSocket(stack, { token: alice.token });
    try {
      socket.send({
        id: 0,
        method: 'subscription',
        params: { path: 'exec.onOutput', input: { executionId, lastEventId: 5 } },
      });
      expect(await socket.next((m) => m.id === 0 && 'error' in m)).toMatchObject({
        error: { data: { code: 'BAD_REQUEST' } },
      });
      socket.send({
        id: 1,
        method: 'subscription',
        params: { path: 'exec.onOutput', input: { executionId, lastEventId: '999999999999999' } },
      });
      await socket.next((m) => m.id === 1 && (m.result as { type?: string })?.type === 'stopped');
      expect(socket.messages.filter((m) => Buffer.isBuffer(m))).toEqual([]);
    } finally {
      socket.socket.close();
    }
    expect(full.end.status).toBe('completed');
  });

  it('a batch of a thousand calls is refused whole: one request may not fan out', async () => {
    const paths = Array.from({ length: 1_000 }, (_, i) =>
      i % 2 === 0 ? 'nope' : 'exec.nope.deeper',
    ).join(',');
    const response = await request(stack, `/trpc/${paths}?batch=1`, { headers: auth() });
    expect(response.status).toBe(400);
    expect(response.text).toContain('Batch call exceeds maximum size');
  });

  it('a full batch of calls mixing good, unknown and malformed ones answers each', async () => {
    const paths = Array.from(
      { length: 48 },
      (_, i) => ['auth.me', 'nope', 'exec.byId'][i % 3],
    ).join(',');
    const input = Object.fromEntries(
      Array.from({ length: 48 }, (_, i) => [
        String(i),
        i % 3 === 2 ? { executionId: 'bad' } : undefined,
      ]),
    );
    const response = await request(
      stack,
      `/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`,
      { headers: auth() },
    );
    expect(response.status).toBe(207);
    const answers = JSON.parse(response.text) as {
      result?: unknown;
      error?: { data: { code: string } };
    }[];
    expect(answers.map((a) => a.error?.data.code ?? 'OK')).toEqual(
      Array.from({ length: 48 }, (_, i) => ['OK', 'NOT_FOUND', 'BAD_REQUEST'][i % 3]),
    );
  });

  it('a batch whose input is not JSON is one 400', async () => {
    expectClientError(
      await request(stack, '/trpc/exec.byId,exec.byId?batch=1&input=%7B', { headers: auth() }),
      400,
    );
  });
});

describe('the WebSocket', () => {
  it('closes a socket that sends a message over 1 MiB (1009), and only that socket', async () => {
    const other = await openSocket(stack, { token: bob.token });
    const socket = await openSocket(stack, { token: alice.token });
    socket.send('x'.repeat(2 * 1024 * 1024));
    expect((await socket.closed).code).toBe(1009);
    other.send({ id: 7, method: 'query', params: { path: 'auth.me' } });
    expect(await other.next((m) => m.id === 7)).toMatchObject({
      result: { data: { username: 'bob' } },
    });
    other.socket.close();
  });

  it('answers garbage with PARSE_ERROR and goes on serving the same socket', async () => {
    const socket = await openSocket(stack, { token: alice.token });
    try {
      for (const garbage of [
        'garbage',
        '{',
        '[]',
        'null',
        '{}',
        '{"id":1}',
        '{"id":{},"method":"query"}',
        '{"id":2,"method":"query","params":{"path":"nope"}}',
        '{"id":3,"method":"bogus","params":{"path":"auth.me"}}',
        '{"id":4,"method":"query","params":null}',
        '['.repeat(100_000),
        Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 0x7b]),
        Buffer.from([9, 0, 0, 0, 2, 0x7b, 0x7d]),
      ]) {
        socket.send(garbage);
      }
      socket.send({ id: 99, method: 'query', params: { path: 'auth.me' } });
      expect(await socket.next((m) => m.id === 99)).toMatchObject({
        result: { data: { username: 'alice' } },
      });
      const errors = socket.messages.filter(
        (m): m is { error: { data: { code: string; httpStatus: number } } } =>
          typeof m === 'object' && m !== null && 'error' in m,
      );
      expect(errors.length).toBeGreaterThanOrEqual(5);
      for (const { error } of errors) {
        expect(error.data.httpStatus).toBeGreaterThanOrEqual(400);
        expect(error.data.httpStatus).toBeLessThan(500);
      }
      expect(await socket.next((m) => m.id === 2)).toMatchObject({
        error: { data: { code: 'NOT_FOUND' } },
      });
    } finally {
      socket.socket.close();
    }
  });

  it('closes a socket that sends invalid UTF-8 in a text frame (1007)', async () => {
    const socket = await openSocket(stack, { token: alice.token });
    socket.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await socket.closed).code).toBe(1007);
  });

  it("refuses a subscription to another user's execution with NOT_FOUND", async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'sleep 30',
    });
    const socket = await openSocket(stack, { token: bob.token });
    try {
      socket.send({
        id: 1,
        method: 'subscription',
        params: { path: 'exec.onOutput', input: { executionId } },
      });
      expect(await socket.next((m) => m.id === 1 && 'error' in m)).toMatchObject({
        error: { data: { code: 'NOT_FOUND' }, message: `No execution ${executionId}.` },
      });
    } finally {
      socket.socket.close();
      await alice.trpc.exec.cancel.mutate({ executionId });
    }
  });
});

describe('the answers themselves', () => {
  it('an unexpected failure is a 500 with a generic message, never its details', async () => {
    const failure = new Error(
      'SQLITE_CORRUPT: database disk image is malformed at /secret/path.db',
    );
    const spy = vi.spyOn(stack.server.services.executions, 'list').mockRejectedValueOnce(failure);
    try {
      const response = await request(stack, `/trpc/exec.list?input=${encodeURIComponent('{}')}`, {
        headers: auth(),
      });
      expect(response.status).toBe(500);
      expect(errorMessage(response.json)).toBe('Internal server error.');
      expect(response.text).not.toMatch(/SQLITE|secret|path\.db|\bat /u);
    } finally {
      spy.mockRestore();
      unexpectedErrors.mockClear();
    }
  });
});
