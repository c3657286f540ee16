import type { IncomingMessage, Server } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import type { ServerLogger } from '../logger.js';

/**
 * Admits WebSocket upgrades at /trpc: never with a token in the URL (it would end up in logs),
 * only from allowed browser origins, and at most `maxSocketsPerAddress` sockets per client
 * address, counted until the TCP connection closes. Anything else is answered with a plain HTTP
 * status. `opened` sees each socket before the adapter does.
 */
export function admitUpgrades(options: {
  server: Server;
  wss: WebSocketServer;
  logger: ServerLogger;
  clientAddress: (req: IncomingMessage) => string;
  originAllowed: (origin: string) => boolean;
  maxSocketsPerAddress: number;
  opened: (ws: WebSocket) => void;
}): void {
  const { wss, logger } = options;
  const socketsPerAddress = new Map<string, number>();
  options.server.on('upgrade', (req, socket, head) => {
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
    if (origin !== undefined && !options.originAllowed(origin)) return reject(403, 'Forbidden');
    const open = socketsPerAddress.get(address) ?? 0;
    if (open >= options.maxSocketsPerAddress) return reject(429, 'Too Many Requests');
    // Counted from here until the TCP connection closes, whether or not the upgrade completes.
    socketsPerAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (socketsPerAddress.get(address) ?? 1) - 1;
      if (left > 0) socketsPerAddress.set(address, left);
      else socketsPerAddress.delete(address);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Before 'connection': the adapter may create the context at once (no connection params).
      options.opened(ws);
      wss.emit('connection', ws, req);
    });
  });
}
