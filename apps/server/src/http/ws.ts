import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import {
  type AppRouter,
  type AuthUser,
  type Context,
  type ReadyFn,
  type SessionEvent,
  type Services,
  appRouter,
  createContext,
} from '@ogent/api';
import type { TimerHandle } from '@ogent/executor';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ServerLogger } from '../logger.js';
import { WireSocket, splitWireEncoder } from './wire-socket.js';

/** Above this many unsent bytes on a socket, subscriptions wait before producing more. */
const SOCKET_HIGH_WATER = 1024 * 1024;
/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Close code when the token expires; the web console signs out on it. */
const CLOSE_TOKEN_EXPIRED = 4001;
/** Close code for a socket that presented no valid token in time (HTTP's 401, as 4xxx). */
const CLOSE_NO_VALID_TOKEN = 4401;
/** Close code when the session was signed out or ended, or the account disabled. */
const CLOSE_SESSION_ENDED = 4003;
/** Close code when the account's roles changed: the client reconnects under the new ones. */
const CLOSE_ROLES_CHANGED = 4000;

/** Hosts that mean "this machine" to a browser on it: the wildcards are reached as loopback. */
const LOCAL_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost', '0.0.0.0', '[::]']);

/**
 * Backpressure for a subscription: resolves once the socket has room. tRPC's WebSocket adapter
 * sends whatever a subscription yields at once, so a paused client would otherwise make the
 * server buffer without bound; waiting here makes it fall behind into the stored log instead.
 */
function socketReady(ws: WebSocket, socket: Socket): ReadyFn {
  return async () => {
    while (ws.readyState === ws.OPEN && ws.bufferedAmount > SOCKET_HIGH_WATER) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          ws.off('close', done);
          resolve();
        };
        socket.once('drain', done);
        ws.once('close', done);
      });
    }
  };
}

export interface WebSocketEndpoint {
  /** Asks every client to reconnect (before a restart). */
  broadcastReconnect(): void;
  close(): Promise<void>;
}

/** Bounds on what one client can hold open (see the `server.*` keys of the configuration). */
export interface WebSocketLimits {
  /** A socket without a valid token is closed (4401) this long after it opened. */
  readonly authTimeoutMs: number;
  readonly maxSubscriptionsPerSocket: number;
  readonly maxSocketsPerAddress: number;
}

/** What decides which browser pages may open the WebSocket. */
export interface OriginRule {
  /** The configured listening host; with the actual port it gives the own origins. */
  readonly host: string;
  /** The URL people open; when set, its origin is the only own origin. */
  readonly publicUrl: string | undefined;
  /** Further allowed origins. */
  readonly allowed: readonly string[];
}

/**
 * The server's own browser origins: `publicUrl`'s origin when set, else `http://host:port`, plus
 * the loopback names when the host is a loopback or wildcard address (a browser on the machine
 * reaches `0.0.0.0` as `localhost`). Never derived from a request: the `Host` header is whatever
 * the page's DNS name was, and a DNS-rebinding page chooses that.
 */
export function ownOrigins(options: {
  host: string;
  port: number;
  publicUrl?: string | undefined;
}): string[] {
  if (options.publicUrl !== undefined) return [new URL(options.publicUrl).origin];
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const configured = new URL(`http://${host}:${options.port}`);
  const origins = [configured.origin];
  if (LOCAL_HOSTS.has(configured.hostname)) {
    for (const name of ['localhost', '127.0.0.1', '[::1]']) {
      origins.push(new URL(`http://${name}:${options.port}`).origin);
    }
  }
  return [...new Set(origins)];
}

/** Per connection: its subscription count and the timer that closes it without a valid token. */
interface Connection {
  readonly subscriptions: { open: number; readonly max: number };
  authTimer: NodeJS.Timeout | undefined;
  /** Who it is authorised as, once it is. */
  user: AuthUser | null;
}

/**
 * tRPC over WebSocket at /trpc, on the HTTP server's port. The token comes from the connection
 * params (never the URL); a socket without a valid token is closed after `authTimeoutMs`, one
 * with a valid token when the token expires. Browsers may connect only from the server's own
 * origin or an allowed one. Each client address may hold a bounded number of sockets, and each
 * socket a bounded number of subscriptions.
 */
export function attachWebSocket(options: {
  server: Server;
  services: Services;
  logger: ServerLogger;
  origins: OriginRule;
  limits: WebSocketLimits;
  clientAddress: (req: IncomingMessage) => string;
}): WebSocketEndpoint {
  const { server, services, logger, limits } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    WebSocket: WireSocket,
  });
  const socketsPerAddress = new Map<string, number>();
  const connections = new WeakMap<WebSocket, Connection>();
  /** Authorised sockets, to close at once those a session or account change concerns. */
  const authorised = new Set<WebSocket>();
  const sessions = services.auth.sessions;
  const stopListening = sessions.onEvent((event: SessionEvent) => {
    for (const ws of authorised) {
      const user = connections.get(ws)?.user;
      if (user === null || user === undefined) continue;
      if (event.type === 'session.revoked' && user.sessionId === event.sessionId) {
        ws.close(CLOSE_SESSION_ENDED, event.reason);
      } else if (event.type === 'account.changed' && user.username === event.username) {
        if (event.disabled) ws.close(CLOSE_SESSION_ENDED, 'account_disabled');
        else ws.close(CLOSE_ROLES_CHANGED, 'Roles changed');
      }
    }
  });

  // The own origins need the port actually bound (port 0 picks one), known once listening.
  let allowedOrigins: ReadonlySet<string> | undefined;
  const originAllowed = (origin: string): boolean => {
    if (allowedOrigins === undefined) {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      allowedOrigins = new Set([
        ...ownOrigins({ ...options.origins, port }),
        ...options.origins.allowed.map((allowed) => new URL(allowed).origin),
      ]);
    }
    try {
      return allowedOrigins.has(new URL(origin).origin);
    } catch {
      // Includes the opaque origin `null` (sandboxed frames, file: pages).
      return false;
    }
  };

  const track = (ws: WebSocket): Connection => {
    const connection: Connection = {
      subscriptions: { open: 0, max: limits.maxSubscriptionsPerSocket },
      user: null,
      // Without this, a socket that never sends its connection params (or sends a bad token)
      // stays open answering pings for as long as the client likes.
      authTimer: setTimeout(
        () => ws.close(CLOSE_NO_VALID_TOKEN, 'No valid token'),
        limits.authTimeoutMs,
      ),
    };
    connections.set(ws, connection);
    ws.once('close', () => clearTimeout(connection.authTimer));
    return connection;
  };

  server.on('upgrade', (req, socket, head) => {
    const address = options.clientAddress(req);
    const reject = (status: number, reason: string): void => {
      logger.warn({ status, reason, address }, 'websocket refused');
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/trpc') return reject(404, 'Not Found');
    if (url.searchParams.has('token') || url.searchParams.has('access_token')) {
      return reject(400, 'Bad Request');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin)) return reject(403, 'Forbidden');
    const open = socketsPerAddress.get(address) ?? 0;
    if (open >= limits.maxSocketsPerAddress) return reject(429, 'Too Many Requests');
    // Counted from here until the TCP connection closes, whether or not the upgrade completes.
    socketsPerAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (socketsPerAddress.get(address) ?? 1) - 1;
      if (left > 0) socketsPerAddress.set(address, left);
      else socketsPerAddress.delete(address);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Before 'connection': the adapter may create the context at once (no connection params).
      track(ws);
      wss.emit('connection', ws, req);
    });
  });

  const handler = applyWSSHandler<AppRouter>({
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    // Output travels as bytes in binary frames (see @ogent/wire); clients use the same encoder.
    // Binary messages leave in parts, the output bytes uncopied (see WireSocket).
    experimental_encoder: splitWireEncoder,
    // Called once per connection, when its connection params arrive.
    createContext: async ({ req, res, info }) => {
      // The adapter's `res` is the connection's WebSocket.
      const ws = res as WebSocket;
      const connection = connections.get(ws) ?? track(ws);
      const token = info.connectionParams?.token ?? null;
      const ctx = await createContext({
        services,
        token,
        clientAddress: options.clientAddress(req),
        ready: socketReady(ws, req.socket),
        subscriptions: connection.subscriptions,
      });
      if (ctx.user === null) return ctx;
      clearTimeout(connection.authTimer);
      connection.authTimer = undefined;
      connection.user = ctx.user;
      authorised.add(ws);
      // The connection must not outlive its authority: the token's, or for a session the newest
      // token's (renewed anywhere, over HTTP or on another instance).
      // On the services' clock, the one the tokens' expiry is checked against.
      let timer: TimerHandle | undefined;
      const expireAt = (at: number): void => {
        timer = services.clock.setTimeout(
          () => void expired(),
          Math.min(MAX_TIMER_MS, Math.max(0, at - services.clock.now())),
        );
      };
      const expired = async (): Promise<void> => {
        const user = connection.user;
        const sessionId = user?.sessionId;
        const until =
          sessionId === undefined || sessionId === null
            ? null
            : await sessions.authorityUntil(sessionId).catch(() => null);
        if (ws.readyState !== ws.OPEN) return;
        if (user === null || until === null) {
          ws.close(CLOSE_TOKEN_EXPIRED, 'Token expired');
          return;
        }
        connection.user = { ...user, expiresAt: until };
        expireAt(until);
      };
      expireAt(ctx.user.expiresAt);
      ws.once('close', () => {
        timer?.cancel();
        authorised.delete(ws);
      });
      // Calls on this socket see its authority as it is now, renewals included.
      const live: Context = {
        ...ctx,
        get user() {
          return connection.user;
        },
      };
      return live;
    },
    onError: ({ error, path }) => {
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      // A frame over the size limit or with invalid UTF-8 is the client's fault, not ours.
      const code = (error.cause as { code?: unknown } | undefined)?.code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
        logger.debug({ err: error }, 'websocket protocol error from a client');
        return;
      }
      logger.error({ err: error, path }, 'websocket procedure failed');
    },
  });

  return {
    broadcastReconnect: () => handler.broadcastReconnectNotification(),
    close: () =>
      new Promise<void>((resolve) => {
        stopListening();
        for (const client of wss.clients) client.close(1012, 'Server restarting');
        wss.close(() => resolve());
      }),
  };
}
