import type { AppRouter } from '@ogent/api';
import { wireEncoder, wireTransformer } from '@ogent/wire';
import {
  type TRPCClient,
  type TRPCWebSocketClient,
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  splitLink,
  wsLink,
} from '@trpc/client';

/** Close code the server uses when the token of a WebSocket has expired. */
export const TOKEN_EXPIRED_CLOSE_CODE = 4001;
/** Close code for a socket that presented no valid token in time (a revoked or bad one). */
export const NO_VALID_TOKEN_CLOSE_CODE = 4401;

export interface ApiClient {
  readonly trpc: TRPCClient<AppRouter>;
  /** Carries the subscriptions; its connectionState says whether it is reconnecting. */
  readonly ws: TRPCWebSocketClient;
  close(): void;
}

/** Reconnect at once, then back off to at most 5 s, with jitter so clients do not stampede. */
function retryDelay(attempt: number): number {
  if (attempt === 0) return 0;
  const base = Math.min(5_000, 250 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

/**
 * The client for one token. The server authenticates a WebSocket once, from the connection
 * params sent when it opens, so a new token needs a new client: callers make one per sign-in.
 * The socket opens lazily with the first subscription and closes when none is left.
 */
export function createApiClient(token: string | null, onTokenExpired: () => void): ApiClient {
  const ws = createWSClient({
    url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/trpc`,
    // Never in the URL: URLs end up in logs.
    connectionParams: () => ({ token: token ?? '' }),
    lazy: { enabled: true, closeMs: 10_000 },
    retryDelayMs: retryDelay,
    onClose: (cause) => {
      // Either way the token will not do: reconnecting with it would only be closed again.
      if (cause?.code === TOKEN_EXPIRED_CLOSE_CODE || cause?.code === NO_VALID_TOKEN_CLOSE_CODE) {
        onTokenExpired();
      }
    },
    // Output arrives as bytes in binary frames, never as escaped JSON or base64.
    experimental_encoder: wireEncoder,
  });
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws, transformer: wireTransformer }),
        false: httpBatchLink({
          url: '/trpc',
          transformer: wireTransformer,
          // The server takes at most 50 calls per batch.
          maxItems: 20,
          headers: (): Record<string, string> =>
            token === null ? {} : { authorization: `Bearer ${token}` },
        }),
      }),
    ],
  });
  return {
    trpc,
    ws,
    close: () => {
      void ws.close();
    },
  };
}
