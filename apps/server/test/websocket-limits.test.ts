import { connect } from 'node:net';
import type { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@ogent/api';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ownOrigins } from '../src/http/origins.js';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { signedIn, watch } from './helpers.js';

/** Small limits, so that each one is reached in a test within seconds. */
const AUTH_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 1_500;
/** How often Node checks request timeouts (set by the server). */
const CHECK_INTERVAL_MS = 1_000;
const MAX_SUBSCRIPTIONS = 3;
const MAX_SOCKETS = 4;
const LISTED_ORIGIN = 'https://console.example.test';

let stack: TestStack;
let alice: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  stack = await startTestStack({
    sshd: false,
    config: {
      server: {
        socketAuthTimeoutMs: AUTH_TIMEOUT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        maxSubscriptionsPerSocket: MAX_SUBSCRIPTIONS,
        maxSocketsPerAddress: MAX_SOCKETS,
        allowedOrigins: [LISTED_ORIGIN],
      },
    },
  });
  alice = await signedIn(stack, 'alice');
});

afterAll(async () => {
  await alice?.close();
  await stack?.stop();
});

/** A WebSocket to /trpc opened by hand, from a chosen local address. */
interface TestSocket {
  readonly ws: WebSocket;
  /** Text frames, parsed as JSON. */
  readonly messages: Record<string, unknown>[];
  /** Resolves on close, with how long after the handshake the socket was closed. */
  readonly closed: Promise<{ code: number; reason: string; afterMs: number }>;
  send(message: unknown): void;
  /** The first message that matches, waiting for it. */
  next(match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

const opened = new Set<WebSocket>();

afterEach(() => {
  for (const ws of opened) ws.terminate();
  opened.clear();
});

/**
 * Opens /trpc and, with a token, sends the connection params as the typed client does. Resolves
 * with the HTTP status of the handshake, and the socket when it was accepted (101).
 */
function handshake(
  options: {
    url?: string;
    token?: string;
    /** `connectionParams=1` (the default) makes the server wait for the params message. */
    query?: string;
    localAddress?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; socket: TestSocket | undefined }> {
  const base = (options.url ?? stack.url).replace(/^http/, 'ws');
  const ws = new WebSocket(`${base}/trpc?${options.query ?? 'connectionParams=1'}`, {
    headers: options.headers ?? {},
    localAddress: options.localAddress ?? '127.0.0.1',
  });
  opened.add(ws);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(new Uint8Array(data));
    const text = bytes.toString('utf8');
    try {
      messages.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // PONG and other plain text.
    }
  });
  let openedAt = 0;
  const closed = new Promise<{ code: number; reason: string; afterMs: number }>((resolve) => {
    ws.once('close', (code, reason) =>
      resolve({ code, reason: reason.toString(), afterMs: performance.now() - openedAt }),
    );
  });
  const socket: TestSocket = {
    ws,
    messages,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    next: (match) =>
      vi.waitFor(
        () => {
          const found = messages.find(match);
          if (found === undefined)
            throw new Error(`no such message in ${JSON.stringify(messages)}`);
          return found;
        },
        { timeout: 5_000, interval: 10 },
      ),
  };
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      resolve({ status: res.statusCode ?? 0, socket: undefined });
    });
    ws.once('error', reject);
    ws.once('open', () => {
      openedAt = performance.now();
      if (options.token !== undefined) {
        socket.send({ method: 'connectionParams', data: { token: options.token } });
      }
      resolve({ status: 101, socket });
    });
  });
}

/** A socket that must be accepted. */
async function accepted(options: Parameters<typeof handshake>[0]): Promise<TestSocket> {
  const { status, socket } = await handshake(options);
  if (socket === undefined) throw new Error(`handshake refused: ${status}`);
  return socket;
}

/** The handshake's status; an accepted socket is closed again (and waited for). */
async function status(options: Parameters<typeof handshake>[0]): Promise<number> {
  const result = await handshake(options);
  if (result.socket !== undefined) {
    result.socket.ws.close();
    await result.socket.closed;
  }
  return result.status;
}

/** Subscribes to an execution's output over a hand-made socket; resolves once it has started. */
async function subscribed(socket: TestSocket, id: number, executionId: string): Promise<void> {
  socket.send({
    id,
    method: 'subscription',
    params: { path: 'exec.onOutput', input: { executionId } },
  });
  await socket.next((m) => m.id === id && (m.result as { type?: string })?.type === 'started');
}

/** The promise's value, or a failure after `ms` (instead of the test's own long timeout). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A command that runs until cancelled, cancelled when the test ends. */
async function withRunning(test: (executionId: string) => Promise<void>): Promise<void> {
  const { executionId } = await alice.trpc.exec.execute.mutate({
    target: 'local',
    command: 'sleep 60',
  });
  try {
    await test(executionId);
  } finally {
    await alice.trpc.exec.cancel.mutate({ executionId });
  }
}

describe('a WebSocket without a valid token', () => {
  it('is closed with 4401 after the configured time, while one with a valid token stays open', () =>
    withRunning(async (executionId) => {
      const from = { localAddress: '127.0.0.11' };
      // Opened first: without its token it would be the first to be closed.
      const valid = await accepted({ ...from, token: alice.token });
      const [silent, noParams, badToken] = await Promise.all([
        // Opens asking for connection params, and never sends them.
        accepted(from),
        // No connection params at all: the server builds a context without a token at once.
        accepted({ ...from, query: '' }),
        accepted({ ...from, token: 'not.a.token' }),
      ]);
      const closes = Promise.all([silent, noParams, badToken].map((s) => s.closed));
      for (const refused of await within(closes, AUTH_TIMEOUT_MS + 3_000, 'closing')) {
        expect(refused.code).toBe(4401);
        expect(refused.reason).toBe('No valid token');
        expect(refused.afterMs).toBeGreaterThanOrEqual(AUTH_TIMEOUT_MS - 50);
        expect(refused.afterMs).toBeLessThan(AUTH_TIMEOUT_MS + 2_000);
      }
      // The socket with a valid token outlived them and still works.
      expect(valid.ws.readyState).toBe(WebSocket.OPEN);
      await subscribed(valid, 1, executionId);
    }));
});

describe('subscriptions per socket', () => {
  it('one over the cap is refused with TOO_MANY_REQUESTS; the others, and other sockets, keep working', async () => {
    // A client of its own: its one socket carries every subscription below.
    const client = await signedIn(stack, 'alice');
    try {
      await withRunning(async (executionId) => {
        let started = 0;
        const ends: string[] = [];
        const errors: unknown[] = [];
        const subscriptions = Array.from({ length: MAX_SUBSCRIPTIONS }, () =>
          client.trpc.exec.onOutput.subscribe(
            { executionId },
            {
              onStarted: () => (started += 1),
              onData: ({ data }) => {
                if (data.type === 'end') ends.push(data.status);
              },
              onError: (error) => errors.push(error),
            },
          ),
        );
        await vi.waitFor(() => expect(started).toBe(MAX_SUBSCRIPTIONS));

        const refused = await within(
          new Promise<TRPCClientError<AppRouter>>((resolve) => {
            client.trpc.exec.onOutput.subscribe({ executionId }, { onError: resolve });
          }),
          5_000,
          'the subscription over the cap',
        );
        expect(refused.data?.code).toBe('TOO_MANY_REQUESTS');
        expect(refused.message).toBe(
          `This connection already has ${MAX_SUBSCRIPTIONS} subscriptions open. Stop one before starting another.`,
        );

        // The cap is per socket: another connection of the same user is not affected.
        const { executionId: echoed } = await alice.trpc.exec.execute.mutate({
          target: 'local',
          command: 'echo still here',
        });
        expect((await watch(alice, echoed)).stdout.toString()).toBe('still here\n');

        // Stopping one frees its place on this socket.
        subscriptions[0]?.unsubscribe();
        const again = await vi.waitFor(() => watch(client, echoed), { timeout: 5_000 });
        expect(again.stdout.toString()).toBe('still here\n');

        // The subscriptions left open were untouched by the refusal: they see the command end.
        await alice.trpc.exec.cancel.mutate({ executionId });
        await vi.waitFor(() => expect(ends).toEqual(['cancelled', 'cancelled']));
        expect(errors).toEqual([]);
        for (const subscription of subscriptions) subscription.unsubscribe();
      });
    } finally {
      await client.close();
    }
  });
});

describe('sockets per client address', () => {
  it('one over the cap is refused with 429, another address is not affected, and a closed one frees its place', async () => {
    const token = alice.token;
    const first = await Promise.all(
      Array.from({ length: MAX_SOCKETS }, () => accepted({ token, localAddress: '127.0.0.2' })),
    );
    expect(await status({ token, localAddress: '127.0.0.2' })).toBe(429);
    expect(await status({ token, localAddress: '127.0.0.3' })).toBe(101);
    // The refusal did not touch the sockets already open.
    expect(first.map((s) => s.ws.readyState)).toEqual(first.map(() => WebSocket.OPEN));

    first[0]?.ws.close();
    await first[0]?.closed;
    await vi.waitFor(async () => {
      expect(await status({ token, localAddress: '127.0.0.2' })).toBe(101);
    });
  });
});

describe('the Origin of a WebSocket', () => {
  const from = { localAddress: '127.0.0.12' };

  it('accepts the own origins, a listed one and none', async () => {
    const port = stack.server.port;
    for (const origin of [stack.url, `http://localhost:${port}`, `http://[::1]:${port}`]) {
      expect(await status({ ...from, headers: { origin } }), origin).toBe(101);
    }
    expect(await status({ ...from, headers: { origin: LISTED_ORIGIN } })).toBe(101);
    // Non-browser clients send no Origin.
    expect(await status(from)).toBe(101);
  });

  it('refuses a DNS-rebinding page (its Host header matches its Origin) and look-alikes with 403', async () => {
    const port = stack.server.port;
    // A page on rebind.example whose name now resolves to 127.0.0.1: the browser sends the page's
    // own name as Host, so Host and Origin agree.
    const rebinding = { origin: `http://rebind.example:${port}`, host: `rebind.example:${port}` };
    expect(await status({ ...from, headers: rebinding })).toBe(403);
    for (const origin of [
      'https://evil.example',
      `https://127.0.0.1:${port}`,
      `http://127.0.0.1:${port + 1}`,
      `${LISTED_ORIGIN}:8443`,
      'null',
    ]) {
      expect(await status({ ...from, headers: { origin } }), origin).toBe(403);
    }
  });

  it('behind a publicUrl, its origin is the own one and the listening address is not', async () => {
    const proxied = await startTestStack({
      sshd: false,
      config: { server: { publicUrl: 'https://ogent.example.test/console/' } },
    });
    try {
      const at = { ...from, url: proxied.url };
      expect(await status({ ...at, headers: { origin: 'https://ogent.example.test' } })).toBe(101);
      expect(await status({ ...at, headers: { origin: proxied.url } })).toBe(403);
      expect(await status({ ...at, headers: { origin: 'http://ogent.example.test' } })).toBe(403);
    } finally {
      await proxied.stop();
    }
  });

  it.each([
    [
      '127.0.0.1',
      3000,
      undefined,
      ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000'],
    ],
    [
      '0.0.0.0',
      3000,
      undefined,
      [
        'http://0.0.0.0:3000',
        'http://localhost:3000',
        'http://127.0.0.1:3000',
        'http://[::1]:3000',
      ],
    ],
    [
      '::',
      8080,
      undefined,
      ['http://[::]:8080', 'http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080'],
    ],
    ['10.0.0.5', 3000, undefined, ['http://10.0.0.5:3000']],
    ['ogent.internal', 80, undefined, ['http://ogent.internal']],
    ['0.0.0.0', 3000, 'https://ogent.example.com/app/', ['https://ogent.example.com']],
  ])('own origins of host %s, port %i, publicUrl %s', (host, port, publicUrl, expected) => {
    expect(ownOrigins({ host, port, publicUrl }).sort()).toEqual([...expected].sort());
  });
});

describe('the request header timeout', () => {
  it('closes a connection that trickles its headers for longer than requestTimeoutMs; a WebSocket stays', async () => {
    const valid = await accepted({ token: alice.token, localAddress: '127.0.0.13' });
    const started = performance.now();
    const tcp = connect({ port: stack.server.port, host: '127.0.0.1' });
    let closedAfter: number | undefined;
    tcp.once('close', () => (closedAfter = performance.now() - started));
    tcp.on('error', () => undefined);
    // Read what comes back: a paused socket would never see the server's end of it.
    let answer = '';
    tcp.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    // Slowloris: a byte of header every 100 ms, never the blank line that ends them.
    tcp.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const trickle = setInterval(() => tcp.write('a'), 100);
    try {
      await vi.waitFor(() => expect(closedAfter).toBeDefined(), {
        timeout: REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + 2_000,
        interval: 20,
      });
    } finally {
      clearInterval(trickle);
      tcp.destroy();
    }
    expect(closedAfter).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(closedAfter).toBeLessThan(REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + 500);
    // Answered with an error status before being closed, never handled as a request.
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);

    // The bound is on receiving a request, not on a connection: the WebSocket opened before the
    // timed-out request is still open and authenticated.
    expect(valid.ws.readyState).toBe(WebSocket.OPEN);
    await withRunning((executionId) => subscribed(valid, 1, executionId));
  });

  it('answers a slow request whose headers arrive within requestTimeoutMs', async () => {
    const tcp = connect({ port: stack.server.port, host: '127.0.0.1' });
    tcp.on('error', () => undefined);
    let answer = '';
    tcp.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    try {
      for (const part of [
        'GET /healthz HTTP/1.1\r\n',
        'Host: 127.0.0.1\r\n',
        'Connection: close\r\n',
      ]) {
        tcp.write(part);
        await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS / 5));
      }
      tcp.write('\r\n');
      await vi.waitFor(() => expect(answer).toMatch(/^HTTP\/1\.1 200 /));
    } finally {
      tcp.destroy();
    }
  });
});
