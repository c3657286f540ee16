import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AuthService,
  ExecutionManager,
  type Services,
  TargetCatalog,
  TokenService,
  type UserAccount,
  appRouter,
  bearerToken,
  createContext,
  durationMs,
  hashPassword,
} from '@ogent/api';
import { CommandPolicy, Executor } from '@ogent/executor';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { sql } from 'kysely';
import type { Config } from './config/schema.js';
import { HttpError, sendJson } from './http/body.js';
import { RestApi } from './http/rest.js';
import { staticSite } from './http/static.js';
import { attachWebSocket } from './http/ws.js';
import { type ServerLogger, createLogger } from './logger.js';
import { openDatabase } from './storage/database.js';
import { SqlExecutionStore } from './storage/execution-store.js';
import { OutputFiles } from './storage/output-files.js';
import { loadOrCreateSigningKey } from './storage/signing-key.js';
import { UserStore } from './storage/users.js';

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

async function configuredAccounts(config: Config): Promise<UserAccount[]> {
  return Promise.all(
    config.users.map(async (user) => ({
      username: user.username,
      // A plain password from the config (normally from the environment) is hashed in memory.
      passwordHash: user.passwordHash ?? (await hashPassword(user.password ?? '')),
      roles: user.roles,
    })),
  );
}

async function ensureAdmin(
  users: UserStore,
  env: NodeJS.ProcessEnv,
  announce: (text: string) => void,
): Promise<void> {
  const fromEnv = env.OGENT_ADMIN_PASSWORD;
  const existing = await users.get('admin');
  if (fromEnv !== undefined && fromEnv !== '') {
    await users.upsert({
      username: 'admin',
      passwordHash: await hashPassword(fromEnv),
      roles: ['admin'],
    });
    return;
  }
  if (existing !== undefined) return;
  const password = randomBytes(18).toString('base64url');
  await users.upsert({
    username: 'admin',
    passwordHash: await hashPassword(password),
    roles: ['admin'],
  });
  announce(
    [
      '',
      '  Ogent created the account "admin" with this password (shown once, not stored):',
      '',
      `      ${password}`,
      '',
      '  Set OGENT_ADMIN_PASSWORD to choose it instead.',
      '',
    ].join('\n'),
  );
}

/** Starts the whole server: storage, auth, executor, HTTP and WebSocket on one port. */
export async function startServer(options: StartOptions): Promise<OgentServer> {
  const { config } = options;
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger(config.server.logLevel);
  const announce = options.announce ?? ((text: string) => process.stdout.write(`${text}\n`));

  const database = await openDatabase(config.server.dataDir);
  if (database.migrated.length > 0)
    logger.info({ migrations: database.migrated, file: database.file }, 'database migrated');
  const outputFiles = await OutputFiles.open(config.server.dataDir);
  const store = new SqlExecutionStore(database.db, outputFiles);
  const recoveredInterrupted = await store.markRunningInterrupted(Date.now());
  if (recoveredInterrupted > 0) {
    logger.warn(
      { count: recoveredInterrupted },
      'executions left running by the last process marked interrupted',
    );
  }

  const userStore = new UserStore(database.db);
  if (options.bootstrapAdmin === true) await ensureAdmin(userStore, env, announce);
  const accounts = [...(await userStore.all()), ...(await configuredAccounts(config))];
  if (accounts.length === 0 && config.auth.jwksUrl === undefined) {
    logger.warn('no users are configured: nobody can sign in');
  }

  const tokens = await TokenService.create({
    key: await loadOrCreateSigningKey(config.server.dataDir),
    ttl: config.auth.tokenTtl,
    ...(config.auth.jwksUrl !== undefined &&
    config.auth.issuer !== undefined &&
    config.auth.audience !== undefined
      ? {
          external: {
            jwksUrl: config.auth.jwksUrl,
            issuer: config.auth.issuer,
            audience: config.auth.audience,
            algorithms: config.auth.algorithms,
            rolesClaim: config.auth.rolesClaim,
            usernameClaim: config.auth.usernameClaim,
          },
        }
      : {}),
  });
  const auth = new AuthService(accounts, config.roles, tokens, {
    maxFailures: config.auth.maxLoginFailures,
    windowMs: durationMs(config.auth.loginWindow),
  });
  const policy = new CommandPolicy({
    commands: config.commands,
    roles: config.roles,
    maxInputLength: config.limits.maxInputLength,
  });
  const executor = new Executor(config.targets);
  const executions = new ExecutionManager(executor, policy, store, config.limits, logger);
  const services: Services = {
    auth,
    executions,
    catalog: new TargetCatalog(config.targets, policy),
  };

  const clientAddress = (req: IncomingMessage): string => {
    const forwarded = req.headers['x-forwarded-for'];
    if (config.server.trustProxy && typeof forwarded === 'string') {
      // The last hop is the one our proxy added; anything before it the client could write.
      return forwarded.split(',').at(-1)?.trim() ?? 'unknown';
    }
    return req.socket.remoteAddress ?? 'unknown';
  };
  const trpcHandler = createHTTPHandler({
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
  });
  const rest = new RestApi(services, clientAddress);
  const site = staticSite(config.server.webRoot ?? path.resolve(DEFAULT_WEB_ROOT));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/healthz') {
      await sql`select 1`.execute(database.db);
      sendJson(res, 200, { status: 'ok', running: executions.runningCount });
    } else if (pathname.startsWith('/trpc/')) {
      trpcHandler(req, res);
    } else if (pathname === '/api' || pathname.startsWith('/api/')) {
      await rest.handle(req, res, pathname);
    } else if (pathname === '/.well-known/jwks.json') {
      sendJson(res, 200, { keys: [tokens.publicJwk] });
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      site(req, res);
    } else {
      throw new HttpError(405, 'Method not allowed.');
    }
  };

  // requestTimeout bounds receiving a request (not answering it): a trickled body cannot hold a
  // socket for long.
  const server = createServer({ requestTimeout: 30_000, keepAliveTimeout: 65_000 }, (req, res) => {
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
  // Malformed HTTP (oversized headers, bad framing) gets a JSON answer too, not an empty one.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({
      error: status === 431 ? 'Request headers too large.' : 'Malformed HTTP request.',
    });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  const ws = attachWebSocket({
    server,
    services,
    logger,
    allowedOrigins: config.server.allowedOrigins,
    clientAddress,
  });

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

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      logger.info('shutting down');
      ws.broadcastReconnect();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await executions.shutdown();
      await ws.close();
      server.closeAllConnections();
      await stopped;
      await executor.close();
      await outputFiles.closeAll();
      await database.close();
      logger.info('stopped');
    })());

  return { url, port, services, executor, logger, recoveredInterrupted, close };
}
