import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type RetentionService,
  type Services,
  type StorageReport,
  appRouter,
  bearerToken,
  createContext,
  errorHeaders,
} from '@ogent/api';
import type { Clock, Executor } from '@ogent/executor';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { type Ogent, composeOgent } from './compose.js';
import type { Config } from './config/schema.js';
import { HttpError, sendJson } from './http/body.js';
import { clientAddressResolver } from './http/client-address.js';
import { RestApi } from './http/rest.js';
import { staticSite } from './http/static.js';
import { type WebSocketEndpoint, attachWebSocket } from './http/ws.js';
import { Lifecycle } from './lifecycle.js';
import { type ServerLogger, createLogger } from './logger.js';

export interface StartOptions {
  readonly config: Config;
  /**
   * The embedded default config: an `admin` account is kept in the database, its password from
   * OGENT_ADMIN_PASSWORD or generated and printed once.
   */
  readonly bootstrapAdmin?: boolean;
  readonly logger?: ServerLogger;
  /** Where the generated admin password is printed (stdout by default, never the log). */
  readonly announce?: (text: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** The services' time (token and session expiry, timers); the system clock by default. */
  readonly clock?: Clock | undefined;
}

export interface OgentServer {
  /** `http://host:port` it listens on. */
  readonly url: string;
  readonly port: number;
  readonly services: Services;
  readonly executor: Executor;
  readonly logger: ServerLogger;
  /** Executions found `running` at start (left by a crash) and marked interrupted. */
  readonly recoveredInterrupted: number;
  /** Graceful stop: clients told to reconnect, running executions stopped and recorded. */
  close(): Promise<void>;
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Which address a request came from, proxies considered. */
type ClientAddress = (req: IncomingMessage) => string;

/** Starts the whole server: storage, auth, executor, HTTP and WebSocket on one port. */
export async function startServer(options: StartOptions): Promise<OgentServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.server.logLevel);
  const lifecycle = new Lifecycle();
  // Registered first, so it runs last.
  lifecycle.onClose('log', () => logger.info('stopped'));
  const ogent = await composeOgent(config, {
    logger,
    env: options.env ?? process.env,
    // For the person at the terminal, on stderr: apart from the JSON log lines on stdout.
    announce: options.announce ?? ((text: string) => process.stderr.write(`${text}\n`)),
    lifecycle,
    clock: options.clock,
    bootstrapAdmin: options.bootstrapAdmin,
  });
  try {
    const clientAddress = clientAddressResolver(config.server.trustedProxies);
    const server = httpServer(config, logger, requestHandler(config, ogent, logger, clientAddress));
    const ws = webSocket(server, config, ogent.services, logger, clientAddress);
    closeHttp(lifecycle, logger, server, ws);
    const { url, port } = await listen(server, config, logger);
    return {
      url,
      port,
      services: ogent.services,
      executor: ogent.executor,
      logger,
      recoveredInterrupted: ogent.recoveredInterrupted,
      close: () => lifecycle.close(),
    };
  } catch (error) {
    await lifecycle.close().catch((closing: unknown) => {
      logger.warn({ err: closing }, 'closing after a failed start failed');
    });
    throw error;
  }
}

/** The tRPC endpoint over HTTP, on the services, with the caller's token and address. */
function trpcHandler(
  services: Services,
  logger: ServerLogger,
  clientAddress: ClientAddress,
): (req: IncomingMessage, res: ServerResponse) => void {
  return createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: 1024 * 1024,
    // One request may not fan out into thousands of calls.
    maxBatchSize: 50,
    createContext: ({ req }) =>
      createContext({
        services,
        token: bearerToken(req.headers.authorization),
        clientAddress: clientAddress(req),
      }),
    onError: ({ error, path: procedure }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        logger.error({ err: error, path: procedure }, 'procedure failed');
    },
    // A throttled sign-in or a quota says when to try again, as the REST contract's 429 does.
    responseMeta: ({ errors }) => ({
      headers: errors.map(errorHeaders).find((headers) => Object.keys(headers).length > 0) ?? {},
    }),
  });
}

/** The tRPC WebSocket endpoint on the same port, with the config's origins and limits. */
function webSocket(
  server: Server,
  config: Config,
  services: Services,
  logger: ServerLogger,
  clientAddress: ClientAddress,
): WebSocketEndpoint {
  return attachWebSocket({
    server,
    services,
    logger,
    origins: {
      host: config.server.host,
      publicUrl: config.server.publicUrl,
      allowed: config.server.allowedOrigins,
    },
    limits: {
      authTimeoutMs: config.server.socketAuthTimeoutMs,
      maxSubscriptionsPerSocket: config.server.maxSubscriptionsPerSocket,
      maxSocketsPerAddress: config.server.maxSocketsPerAddress,
    },
    clientAddress,
  });
}

/** The storage figures cost a scan of the records: computed at most every 10 s. */
function cachedStorage(retention: RetentionService, clock: Clock): () => Promise<StorageReport> {
  let storage: { at: number; value: Promise<StorageReport> } | undefined;
  return () => {
    const now = clock.now();
    if (storage === undefined || now - storage.at > 10_000) {
      storage = { at: now, value: retention.storage() };
      storage.value.catch(() => {
        storage = undefined;
      });
    }
    return storage.value;
  };
}

/** Routes a request by path: health, tRPC, REST, the JWKS, the web console. */
function requestHandler(
  config: Config,
  ogent: Ogent,
  logger: ServerLogger,
  clientAddress: ClientAddress,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { services, tokens } = ogent;
  const trpc = trpcHandler(services, logger, clientAddress);
  const rest = new RestApi(services, clientAddress);
  const site = staticSite(config.server.webRoot ?? path.resolve(DEFAULT_WEB_ROOT));
  const storageFigures = cachedStorage(ogent.retention, services.clock);
  return async (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/healthz') {
      const backends = await ogent.check();
      const healthy = Object.values(backends).every((state) => state === 'ok');
      sendJson(res, healthy ? 200 : 503, {
        status: healthy ? 'ok' : 'degraded',
        instance: ogent.instanceId,
        running: services.executions.runningCount,
        backends,
        storage: healthy ? await storageFigures() : null,
      });
    } else if (pathname.startsWith('/trpc/')) {
      trpc(req, res);
    } else if (pathname === '/api' || pathname.startsWith('/api/')) {
      await rest.handle(req, res, pathname);
    } else if (pathname === '/.well-known/jwks.json') {
      // The current key and the previous one: tokens signed before a rotation stay valid.
      sendJson(res, 200, { keys: tokens.publicJwks });
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      site(req, res);
    } else {
      throw new HttpError(405, 'Method not allowed.');
    }
  };
}

/** Malformed HTTP (oversized headers, bad framing) gets a JSON answer too, not an empty one. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) return;
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'Request headers too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request took too long to arrive.']
        : [400, 'Bad Request', 'Malformed HTTP request.'];
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The HTTP server: each request logged, and answered in JSON when its handler fails. */
function httpServer(
  config: Config,
  logger: ServerLogger,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Server {
  // requestTimeout bounds receiving a request (not answering it): a trickled body cannot hold a
  // socket for long. headersTimeout defaults to 60 s, and Node checks both only every
  // connectionsCheckingInterval (30 s by default), so trickled headers held a socket for 60-90 s:
  // both are set to the configured bound, checked every second.
  const requestTimeout = config.server.requestTimeoutMs;
  const serverOptions = {
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: 1_000,
    keepAliveTimeout: 65_000,
  };
  const server = createServer(serverOptions, (req, res) => {
    const started = performance.now();
    res.once('finish', () => {
      logger.debug(
        {
          method: req.method,
          path: (req.url ?? '').split('?')[0],
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendJson(res, error.status, { error: error.message }, error.headers);
        return;
      }
      logger.error({ err: error, path: (req.url ?? '').split('?')[0] }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error.' });
      else res.destroy();
    });
  });
  server.on('clientError', answerClientError);
  return server;
}

/**
 * The HTTP side of shutdown. Before anything else stops, clients are told to reconnect and no
 * new connection is taken; the sockets close after the executions stopped (so watchers see them
 * end), before the services and storage close.
 */
function closeHttp(
  lifecycle: Lifecycle,
  logger: ServerLogger,
  server: Server,
  ws: WebSocketEndpoint,
): void {
  let stopped: Promise<void> = Promise.resolve();
  lifecycle.preClose('HTTP listener', () => {
    logger.info('shutting down');
    ws.broadcastReconnect();
    // Called back once the last connection is gone (at once when it never listened).
    stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
  });
  lifecycle.onClose('HTTP connections', async () => {
    await ws.close();
    server.closeAllConnections();
    await stopped;
  });
}

/** Listens on the configured address; the URL it is reached at. */
async function listen(
  server: Server,
  config: Config,
  logger: ServerLogger,
): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}`;
  logger.info(
    { url, targets: config.targets.map((t) => t.id), dataDir: config.server.dataDir },
    'ogent listening',
  );
  return { url, port };
}
