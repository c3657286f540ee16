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
import { TOKEN_REJECTED_CLOSE_CODES } from './contract.js';
import { Execution, type FollowOptions, type RunOptions, outputFollower } from './execution.js';
import type { Follower } from './follower.js';
import { RunFollower, type WatchOptions } from './run-follower.js';
import type { AppRouter } from './router.js';
import type { ExecutionEvent } from './types.js';

/** A WebSocket class: the browser's, Node 22's, or the `ws` package's. */
export type WebSocketClass = new (url: string, protocols?: string | string[]) => unknown;

export interface OgentClientOptions {
  /** The server's address: `https://ogent.example.com` (a path prefix is kept). */
  readonly url: string;
  /** The token from `auth.login`. Give this or `getToken`. */
  readonly token?: string | null;
  /**
   * Returns the current token; asked for every HTTP request and whenever the WebSocket opens.
   * The server authenticates a WebSocket when it opens; a renewed token (`auth.renew`) keeps an
   * open socket open, and reaches it at its next reconnection. After signing in again (a new
   * session), make a new client.
   */
  readonly getToken?: () => string | null | undefined;
  /**
   * Called when the server closes the WebSocket because the token expired or was refused, or
   * its session ended (see SESSION_ENDED_CLOSE_CODE). The
   * client keeps trying to reconnect with whatever `getToken` returns.
   */
  readonly onTokenRejected?: (closeCode: number) => void;
  /** The WebSocket implementation; by default the platform's (on Node 20: the `ws` package). */
  readonly WebSocket?: WebSocketClass;
  /** How long the WebSocket stays open with nothing to carry (default 10 s). */
  readonly idleCloseMs?: number;
  /** Delay before reconnect attempt `attempt` (0-based); default: at once, then backoff to 5 s. */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Calls per HTTP batch (default 20; the server takes at most 50). */
  readonly maxBatchItems?: number;
}

export interface OgentClient {
  /** Every procedure of the API, typed: `trpc.exec.execute.mutate(...)`, `trpc.targets.list.query()`. */
  readonly trpc: TRPCClient<AppRouter>;
  /** The WebSocket carrying subscriptions; `ws.connectionState` says whether it is reconnecting. */
  readonly ws: TRPCWebSocketClient;
  /**
   * Runs a command and streams its output: `command` is a command line (`'ls -la /var/log'`) or an
   * argv (`['ls', '-la', '/var/log']`, each element one literal word). The command starts at once,
   * whether or not the output is read. See {@link Execution}.
   */
  run(target: string, command: string | readonly string[], options?: RunOptions): Execution;
  /** Streams the output of an execution, live or finished, from the start or after `after`. */
  follow(executionId: string, options?: FollowOptions): Execution;
  /**
   * Follows an execution's output event by event, for a view that keeps all of it (the web's
   * output pane): `listen` for each event and phase, then `start()`; `stop()` when no longer
   * shown (a later `start()` resumes after the last event). Not started yet.
   */
  followOutput(executionId: string, options?: WatchOptions): Follower<ExecutionEvent>;
  /** Follows a fleet run's progress to its end; see {@link RunFollower}. Not started yet. */
  followRun(runId: string, options?: WatchOptions): RunFollower;
  /** Closes the WebSocket; calls already made over HTTP complete. */
  close(): Promise<void>;
}

/** Reconnect at once, then back off to at most 5 s, with jitter so clients do not stampede. */
function defaultRetryDelay(attempt: number): number {
  if (attempt === 0) return 0;
  const base = Math.min(5_000, 250 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

function endpoints(url: string): { http: string; ws: string } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`The server URL must start with http:// or https://, not ${url}`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new TypeError('The server URL takes no query or fragment (never put a token in a URL)');
  }
  const base = parsed.href.replace(/\/+$/, '');
  return { http: `${base}/trpc`, ws: `${base.replace(/^http/, 'ws')}/trpc` };
}

/**
 * The typed client: queries and mutations over HTTP (batched), subscriptions over one WebSocket
 * that opens with the first subscription and closes when idle. Output crosses the WebSocket as
 * bytes (Ogent's wire format), so `data` of an output event is a `Uint8Array`, exactly as the
 * program wrote it. The token goes in the `Authorization` header and in the WebSocket's
 * connection parameters, never in a URL.
 */
export function createOgentClient(options: OgentClientOptions): OgentClient {
  const { http, ws: wsUrl } = endpoints(options.url);
  const token = (): string | null => options.getToken?.() ?? options.token ?? null;
  const tokenRejected = new Set<(closeCode: number) => void>();
  const ws = createWSClient({
    url: wsUrl,
    ...(options.WebSocket === undefined
      ? {}
      : { WebSocket: options.WebSocket as unknown as typeof globalThis.WebSocket }),
    // Never in the URL: URLs end up in logs.
    connectionParams: () => ({ token: token() ?? '' }),
    lazy: { enabled: true, closeMs: options.idleCloseMs ?? 10_000 },
    retryDelayMs: options.retryDelayMs ?? defaultRetryDelay,
    onClose: (cause) => {
      const code = cause?.code;
      if (code !== undefined && TOKEN_REJECTED_CLOSE_CODES.has(code)) {
        options.onTokenRejected?.(code);
        for (const listener of tokenRejected) listener(code);
      }
    },
    experimental_encoder: wireEncoder,
  });
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws, transformer: wireTransformer }),
        false: httpBatchLink({
          url: http,
          transformer: wireTransformer,
          maxItems: options.maxBatchItems ?? 20,
          headers: (): Record<string, string> => {
            const current = token();
            return current === null || current === '' ? {} : { authorization: `Bearer ${current}` };
          },
        }),
      }),
    ],
  });
  const watchTokenRejected = (listener: (closeCode: number) => void): (() => void) => {
    tokenRejected.add(listener);
    return () => tokenRejected.delete(listener);
  };
  return {
    trpc,
    ws,
    run: (target, command, runOptions = {}) =>
      Execution.start({ trpc, watchTokenRejected }, target, command, runOptions),
    follow: (executionId, followOptions = {}) =>
      Execution.follow({ trpc, watchTokenRejected }, executionId, followOptions),
    followOutput: (executionId, watchOptions = {}) =>
      outputFollower(
        { trpc, watchTokenRejected },
        executionId,
        watchOptions.after ?? 0,
        watchOptions.signal,
      ),
    followRun: (runId, watchOptions = {}) =>
      new RunFollower({ trpc, watchTokenRejected }, runId, watchOptions),
    close: () => ws.close(),
  };
}
