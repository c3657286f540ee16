import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionMessage } from '@ogent/api';
import { defined } from '@ogent/executor';
import { TRPCClientError } from '@trpc/client';
import { WebSocket } from 'ws';
import { TEST_USERS, type TestStack, type TypedClient, typedClient } from '../src/testing/index.js';

export type TestUser = keyof typeof TEST_USERS;

/** A typed client signed in as one of the test users. */
export async function signedIn(
  stack: TestStack,
  user: TestUser,
): Promise<TypedClient & { token: string }> {
  let token: string | null = null;
  const client = typedClient(stack.url, () => token);
  const { username, password } = TEST_USERS[user];
  const result = await client.trpc.auth.login.mutate({ username, password });
  token = result.token;
  return Object.assign(client, { token: result.token });
}

export interface Watched {
  /** Output bytes per stream, and everything in arrival order. */
  stdout: Buffer;
  stderr: Buffer;
  all: Buffer;
  end: Extract<ExecutionMessage, { type: 'end' }>;
  /** Every event id received, in order. */
  ids: string[];
}

/**
 * Subscribes to an execution's output until its end event, as an application would: through
 * the typed client's WebSocket link, which resumes by itself after a dropped connection.
 */
export function watch(
  client: TypedClient,
  executionId: string,
  options: {
    lastEventId?: string;
    onMessage?: (message: ExecutionMessage, id: string) => void;
  } = {},
): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const parts = { stdout: [] as Buffer[], stderr: [] as Buffer[], all: [] as Buffer[] };
    const ids: string[] = [];
    const subscription = client.trpc.exec.onOutput.subscribe(
      defined({ executionId, lastEventId: options.lastEventId }),
      {
        onData: ({ id, data }) => {
          ids.push(id);
          options.onMessage?.(data, id);
          if (data.type === 'output') {
            const bytes = Buffer.from(data.data);
            parts[data.stream].push(bytes);
            parts.all.push(bytes);
            return;
          }
          subscription.unsubscribe();
          resolve({
            stdout: Buffer.concat(parts.stdout),
            stderr: Buffer.concat(parts.stderr),
            all: Buffer.concat(parts.all),
            end: data,
            ids,
          });
        },
        onError: (error) => {
          subscription.unsubscribe();
          reject(error);
        },
      },
    );
  });
}

/** The tRPC error code and data of a rejected call. */
export async function trpcError(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = error.data as { code?: string } | undefined;
      return { code: data?.code ?? 'UNKNOWN', message: error.message, data };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** POST JSON to the HTTP contract. */
export async function post(
  stack: TestStack,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
  };
}

/** What an HTTP request got back: the body as text, and as JSON when it is JSON. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** Any request, with any headers and body, for malformed and hostile requests. */
export async function request(
  stack: TestStack,
  path: string,
  init: RequestInit = {},
): Promise<RawResponse> {
  const response = await fetch(`${stack.url}${path}`, init);
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * The server still answers and still serves other users: /healthz is 200, and a signed-in user
 * runs a command and watches its output as before.
 */
export async function expectHealthy(stack: TestStack, client: TypedClient): Promise<void> {
  const health = await request(stack, '/healthz');
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
  const { executionId } = await client.trpc.exec.execute.mutate({
    target: 'local',
    command: 'echo still here',
  });
  const result = await watch(client, executionId);
  if (result.stdout.toString() !== 'still here\n') {
    throw new Error(`a user's command printed ${JSON.stringify(result.stdout.toString())}`);
  }
}

/** A WebSocket to /trpc driven by hand, for what the typed client would never send. */
export interface RawSocket {
  readonly socket: WebSocket;
  /** Text frames parsed as JSON (or kept as text when not JSON); binary frames as bytes. */
  readonly messages: unknown[];
  /** Resolves with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Sends a value as JSON, or a string or bytes as they are. */
  send(message: unknown): void;
  /** The first message (already received or still to come) that matches. */
  next(match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/**
 * Opens /trpc, waits for the handshake, then sends `connectionParams` with the token, as the
 * typed client does. Rejects with the HTTP status when the handshake is refused.
 */
export function openSocket(
  stack: TestStack,
  options: { token?: string; query?: string; headers?: Record<string, string> } = {},
): Promise<RawSocket> {
  const query = options.query ?? 'connectionParams=1';
  const socket = new WebSocket(`${stack.url.replace(/^http/, 'ws')}/trpc?${query}`, {
    headers: options.headers ?? {},
  });
  const messages: unknown[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data, isBinary) => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
    if (isBinary) messages.push(bytes);
    else {
      const text = bytes.toString('utf8');
      try {
        messages.push(JSON.parse(text));
      } catch {
        messages.push(text);
      }
    }
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    });
  });
  const raw: RawSocket = {
    socket,
    messages,
    closed,
    send: (message) =>
      socket.send(
        typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message),
      ),
    next: (match) =>
      new Promise((resolve, reject) => {
        const look = (): boolean => {
          const found = messages.find(
            (m): m is Record<string, unknown> =>
              typeof m === 'object' &&
              m !== null &&
              !Buffer.isBuffer(m) &&
              match(m as Record<string, unknown>),
          );
          if (found !== undefined) {
            waiters.delete(look);
            resolve(found);
            return true;
          }
          if (socket.readyState === socket.CLOSED) {
            waiters.delete(look);
            reject(new Error(`socket closed; received ${JSON.stringify(messages).slice(0, 500)}`));
            return true;
          }
          return false;
        };
        if (!look()) waiters.add(look);
      }),
  };
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_req, res) => {
      reject(new Error(`handshake refused: ${res.statusCode ?? 0}`));
      socket.terminate();
    });
    socket.once('error', reject);
    socket.once('open', () => {
      if (options.token !== undefined && query.includes('connectionParams=1')) {
        raw.send({ method: 'connectionParams', data: { token: options.token } });
      }
      resolve(raw);
    });
  });
}

/** The status of a WebSocket handshake to /trpc: 101 when accepted. */
export function handshakeStatus(
  stack: TestStack,
  options: { query?: string; headers?: Record<string, string> } = {},
): Promise<number> {
  return openSocket(stack, options).then(
    (raw) => {
      raw.socket.close();
      return 101;
    },
    (error: Error) => Number(/handshake refused: (\d+)/.exec(error.message)?.[1] ?? 0),
  );
}

/**
 * Starts the server as its own process (`src/main.ts` through tsx) with a config file, as an
 * operator would; resolves once it says where it listens.
 */
export function launchServer(
  configFile: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ process: ChildProcess; url: string }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/main.ts'), '--config', configFile],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (text: string) => {
      out += text;
      const match = /Ogent is running at (http:\/\/\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve({ process: proc, url: match[1] });
    });
    let err = '';
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      err += text;
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}${err}`)));
  });
}
