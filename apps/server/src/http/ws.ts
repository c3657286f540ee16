import type { IncomingMessage, Server } from 'node:http';
import {
  type AppRouter,
  type AuthUser,
  type Context,
  type SessionEvent,
  type Services,
  appRouter,
  createContext,
} from '@ogent/api';
import {
  NO_VALID_TOKEN_CLOSE_CODE,
  ROLES_CHANGED_CLOSE_CODE,
  SESSION_ENDED_CLOSE_CODE,
  TOKEN_EXPIRED_CLOSE_CODE,
} from '@ogent/api/contract';
import type { TimerHandle } from '@ogent/executor';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ServerLogger } from '../logger.js';
import { type OriginRule, originChecker } from './origins.js';
import { WireSocket, splitWireEncoder } from './wire-socket.js';
import { webSocketTransport } from './ws-sink.js';
import { admitUpgrades } from './ws-upgrade.js';

/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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

/** Per connection: its subscription count and the timer that closes it without a valid token. */
interface Connection {
  readonly subscriptions: { open: number; readonly max: number };
  authTimer: NodeJS.Timeout | undefined;
  /** Who it is authorised as, once it is. */
  user: AuthUser | null;
}

/**
 * The endpoint's connections and their authority: each socket is closed without a valid token
 * in time, when its authority expires, and at once when its session ends or its account changes.
 */
class Connections {
  private readonly bySocket = new WeakMap<WebSocket, Connection>();
  /** Authorised sockets, to close at once those a session or account change concerns. */
  private readonly authorised = new Set<WebSocket>();

  constructor(
    private readonly limits: WebSocketLimits,
    private readonly sessions: Services['auth']['sessions'],
    /** The services' clock, the one the tokens' expiry is checked against. */
    private readonly clock: Services['clock'],
  ) {}

  /** Starts counting a new socket's subscriptions and its time to present a valid token. */
  track(ws: WebSocket): Connection {
    const connection: Connection = {
      subscriptions: { open: 0, max: this.limits.maxSubscriptionsPerSocket },
      user: null,
      // Without this, a socket that never sends its connection params (or sends a bad token)
      // stays open answering pings for as long as the client likes.
      authTimer: setTimeout(
        () => ws.close(NO_VALID_TOKEN_CLOSE_CODE, 'No valid token'),
        this.limits.authTimeoutMs,
      ),
    };
    this.bySocket.set(ws, connection);
    ws.once('close', () => clearTimeout(connection.authTimer));
    return connection;
  }

  of(ws: WebSocket): Connection {
    return this.bySocket.get(ws) ?? this.track(ws);
  }

  /** Closes the sockets a session or account event concerns. */
  closeFor(event: SessionEvent): void {
    for (const ws of this.authorised) {
      const user = this.bySocket.get(ws)?.user;
      if (user === null || user === undefined) continue;
      if (event.type === 'session.revoked' && user.sessionId === event.sessionId) {
        ws.close(SESSION_ENDED_CLOSE_CODE, event.reason);
      } else if (event.type === 'account.changed' && user.username === event.username) {
        if (event.disabled) ws.close(SESSION_ENDED_CLOSE_CODE, 'account_disabled');
        else ws.close(ROLES_CHANGED_CLOSE_CODE, 'Roles changed');
      }
    }
  }

  /**
   * A socket presented a valid token: it stays open until its authority ends, the token's or,
   * for a session, the newest token's (renewed anywhere, over HTTP or on another instance).
   * Returns the context its calls see, with that authority as it is at each call.
   */
  authorise(ws: WebSocket, ctx: Context & { user: AuthUser }): Context {
    const connection = this.of(ws);
    clearTimeout(connection.authTimer);
    connection.authTimer = undefined;
    connection.user = ctx.user;
    this.authorised.add(ws);
    let timer: TimerHandle | undefined;
    const expireAt = (at: number): void => {
      timer = this.clock.setTimeout(
        () => void expired(),
        Math.min(MAX_TIMER_MS, Math.max(0, at - this.clock.now())),
      );
    };
    const expired = async (): Promise<void> => {
      const user = connection.user;
      const sessionId = user?.sessionId;
      const until =
        sessionId === undefined || sessionId === null
          ? null
          : await this.sessions.authorityUntil(sessionId).catch(() => null);
      if (ws.readyState !== ws.OPEN) return;
      if (user === null || until === null) {
        ws.close(TOKEN_EXPIRED_CLOSE_CODE, 'Token expired');
        return;
      }
      connection.user = { ...user, expiresAt: until };
      expireAt(until);
    };
    expireAt(ctx.user.expiresAt);
    ws.once('close', () => {
      timer?.cancel();
      this.authorised.delete(ws);
    });
    return {
      ...ctx,
      get user() {
        return connection.user;
      },
    };
  }
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
  const connections = new Connections(limits, services.auth.sessions, services.clock);
  const stopListening = services.auth.sessions.onEvent((event) => connections.closeFor(event));
  admitUpgrades({
    server,
    wss,
    logger,
    clientAddress: options.clientAddress,
    originAllowed: originChecker(server, options.origins),
    maxSocketsPerAddress: limits.maxSocketsPerAddress,
    opened: (ws) => connections.track(ws),
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
      const ctx = await createContext({
        services,
        token: info.connectionParams?.token ?? null,
        clientAddress: options.clientAddress(req),
        transport: webSocketTransport(ws, req.socket, connections.of(ws).subscriptions),
      });
      const { user } = ctx;
      return user === null ? ctx : connections.authorise(ws, { ...ctx, user });
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
