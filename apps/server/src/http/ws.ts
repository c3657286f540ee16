import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { type AppRouter, type ReadyFn, type Services, appRouter, createContext } from '@ogent/api';
import { wireEncoder } from '@ogent/wire';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ServerLogger } from '../logger.js';

/** Above this many unsent bytes on a socket, subscriptions wait before producing more. */
const SOCKET_HIGH_WATER = 1024 * 1024;
/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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

/**
 * tRPC over WebSocket at /trpc, on the HTTP server's port. The token comes from the connection
 * params (never the URL); the socket is closed when the token expires. Browsers may connect only
 * from the server's own origin or an allowed one.
 */
export function attachWebSocket(options: {
  server: Server;
  services: Services;
  logger: ServerLogger;
  allowedOrigins: readonly string[];
  clientAddress: (req: IncomingMessage) => string;
}): WebSocketEndpoint {
  const { server, services, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, reason: string): void => {
      logger.warn({ status, reason, address: options.clientAddress(req) }, 'websocket refused');
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/trpc') return reject(404, 'Not Found');
    if (url.searchParams.has('token') || url.searchParams.has('access_token')) {
      return reject(400, 'Bad Request');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req, options.allowedOrigins)) {
      return reject(403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const handler = applyWSSHandler<AppRouter>({
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    // Output travels as bytes in binary frames (see @ogent/wire); clients use the same encoder.
    experimental_encoder: wireEncoder,
    createContext: async ({ req, res, info }) => {
      // The adapter's `res` is the connection's WebSocket.
      const ws = res as WebSocket;
      const token = info.connectionParams?.token ?? null;
      const ctx = await createContext({
        services,
        token,
        clientAddress: options.clientAddress(req),
        ready: socketReady(ws, req.socket),
      });
      if (ctx.user !== null) {
        // The connection must not outlive the token's authority.
        const timer = setTimeout(
          () => ws.close(4001, 'Token expired'),
          Math.min(MAX_TIMER_MS, Math.max(0, ctx.user.expiresAt - Date.now())),
        );
        ws.once('close', () => clearTimeout(timer));
      }
      return ctx;
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
        for (const client of wss.clients) client.close(1012, 'Server restarting');
        wss.close(() => resolve());
      }),
  };
}

/** Same origin as the request's Host, or listed. */
function originAllowed(origin: string, req: IncomingMessage, allowed: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.host === req.headers.host) return true;
  return allowed.some((a) => new URL(a).origin === parsed.origin);
}
