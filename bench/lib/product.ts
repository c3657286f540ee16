import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EndMessage, ExecutionMessage } from '@ogent/api';
import { decodeMessage, encodeMessage } from '@ogent/wire';
import { type TypedClient, typedClient } from '@ogent/server/testing';
import { WebSocket } from 'ws';
import { BENCH_USER } from './stack.js';

export async function login(
  url: string,
  account: { username: string; password: string } = BENCH_USER,
): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export function client(url: string, token: string): TypedClient {
  return typedClient(url, () => token);
}

export interface StreamResult {
  readonly ms: number;
  readonly bytes: number;
  readonly sha256: string | undefined;
  readonly end: EndMessage;
}

/**
 * Through the whole product with the typed client: execute, then watch until the end event.
 * Time runs from the execute call to the end event received. Bytes are counted (and hashed on
 * request) as the client decodes them.
 */
export async function runTyped(
  c: TypedClient,
  command: string,
  options: { hash?: boolean; watchWith?: TypedClient } = {},
): Promise<StreamResult> {
  const started = performance.now();
  const { executionId } = await c.trpc.exec.execute.mutate({ target: 'web-1', command });
  // In a cluster, the watcher may be on another instance than the one that runs the command.
  const watcher = options.watchWith ?? c;
  const hash = options.hash === true ? createHash('sha256') : undefined;
  let bytes = 0;
  const end = await new Promise<EndMessage>((resolve, reject) => {
    const subscription = watcher.trpc.exec.onOutput.subscribe(
      { executionId },
      {
        onData: ({ data }) => {
          if (data.type === 'output') {
            bytes += data.data.byteLength;
            hash?.update(data.data);
            return;
          }
          subscription.unsubscribe();
          resolve(data);
        },
        onError: reject,
      },
    );
  });
  return { ms: performance.now() - started, bytes, sha256: hash?.digest('hex'), end };
}

/** Through `POST /api/command` (runs to completion, output in the response). */
export async function runHttp(url: string, token: string, command: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/api/command`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ command, target: 'web-1' }),
  });
  const body = (await response.json()) as { status?: string };
  if (body.status !== 'completed') throw new Error(`POST /api/command: ${JSON.stringify(body)}`);
  return performance.now() - started;
}

/**
 * A bare WebSocket speaking tRPC's protocol, for tests that need a thousand of them or control
 * over the socket (pausing it): connectionParams first, then subscription messages.
 */
export class RawSubscriber {
  readonly socket: WebSocket;
  private nextId = 1;
  readonly opened: Promise<void>;

  constructor(url: string, token: string) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => {
        this.socket.send(encodeMessage({ method: 'connectionParams', data: { token } }));
        resolve();
      });
      this.socket.once('error', reject);
    });
  }

  subscribe(executionId: string): number {
    const id = this.nextId++;
    this.socket.send(
      encodeMessage({
        id,
        method: 'subscription',
        params: { path: 'exec.onOutput', input: { executionId } },
      }),
    );
    return id;
  }

  /** Calls back with each execution message received (frames decoded with the wire format). */
  onMessage(listener: (message: ExecutionMessage) => void): void {
    this.socket.on('message', (raw: Buffer, isBinary: boolean) => {
      if (!isBinary && raw.length === 4 && /^P[IO]NG$/.test(raw.toString())) return;
      const decoded = decodeMessage(isBinary ? raw : raw.toString('utf8')) as {
        result?: { data?: { data?: ExecutionMessage } };
      };
      const message = decoded.result?.data?.data;
      if (message !== undefined) listener(message);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) {
        resolve();
        return;
      }
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
