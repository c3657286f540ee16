import type { AppRouter } from '@ogent/api';
import { wireEncoder, wireTransformer } from '@ogent/wire';
import {
  type TRPCClient,
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  splitLink,
  wsLink,
} from '@trpc/client';
import { WebSocket } from 'ws';

export interface TypedClient {
  readonly trpc: TRPCClient<AppRouter>;
  /** Closes the WebSocket (and stops reconnecting). */
  close(): Promise<void>;
  /** Drops the WebSocket as a network failure would; the client reconnects by itself. */
  dropConnection(): void;
  readonly ws: ReturnType<typeof createWSClient>;
}

/**
 * The typed client as another TypeScript project would build it: WebSocket for subscriptions,
 * HTTP batching for the rest, the token in the Authorization header and in connectionParams,
 * and Ogent's wire encoder and transformer so that output arrives as bytes.
 */
export function typedClient(url: string, token: () => string | null): TypedClient {
  let socket: WebSocket | undefined;
  const ws = createWSClient({
    url: `${url.replace(/^http/, 'ws')}/trpc`,
    WebSocket: class extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        socket = this;
      }
    } as unknown as typeof globalThis.WebSocket,
    // Connect on the first subscription, i.e. after signing in: the server authenticates a
    // WebSocket once, from the connection params sent when it opens.
    lazy: { enabled: true, closeMs: 1_000 },
    connectionParams: () => ({ token: token() ?? '' }),
    experimental_encoder: wireEncoder,
    retryDelayMs: () => 50,
  });
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws, transformer: wireTransformer }),
        false: httpBatchLink({
          url: `${url}/trpc`,
          transformer: wireTransformer,
          headers: () => {
            const t = token();
            return t === null ? {} : { authorization: `Bearer ${t}` };
          },
        }),
      }),
    ],
  });
  return {
    trpc,
    ws,
    close: () => ws.close(),
    dropConnection: () => socket?.terminate(),
  };
}
