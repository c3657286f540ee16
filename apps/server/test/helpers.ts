import type { ExecutionMessage } from '@ogent/api';
import { TRPCClientError } from '@trpc/client';
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
      {
        executionId,
        ...(options.lastEventId === undefined ? {} : { lastEventId: options.lastEventId }),
      },
      {
        onData: ({ id, data }) => {
          ids.push(id);
          options.onMessage?.(data, id);
          if (data.type === 'output') {
            const bytes = Buffer.from(data.data, data.encoding);
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
