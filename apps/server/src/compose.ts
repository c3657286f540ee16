import { randomBytes, randomUUID } from 'node:crypto';
import {
  AccountAdmin,
  AuditAccess,
  type AuditStore,
  AuditTrail,
  AuthService,
  type Control,
  type Coordination,
  type ExecutionRecords,
  ExecutionService,
  InProcessControl,
  InProcessCoordination,
  InProcessLiveBus,
  InProcessSessionEvents,
  type LiveBus,
  LoginThrottle,
  OutputIndexer,
  type OutputSearchIndex,
  Quotas,
  RetentionService,
  InProcessRunFeed,
  RunService,
  type RunStore,
  type OutputLog,
  type OutputWriterOptions,
  type Services,
  type RunFeed,
  type SessionEvents,
  SessionService,
  type SessionStore,
  type SigningKeyStore,
  StorageAccess,
  TargetCatalog,
  TokenService,
  type UserAccount,
  durationMs,
  hashPassword,
} from '@ogent/api';
import {
  type Clock,
  CommandPolicy,
  Executor,
  LocalTransport,
  type TimerHandle,
  systemClock,
} from '@ogent/executor';
import { sql } from 'kysely';
import { type RedisConnections, connectRedis } from './cluster/redis.js';
import { RedisControl } from './cluster/redis-control.js';
import { RedisRunFeed } from './cluster/redis-run-feed.js';
import { RedisSessionEvents } from './cluster/redis-session-events.js';
import { RedisCoordination } from './cluster/redis-coordination.js';
import { RedisLiveBus } from './cluster/redis-live-bus.js';
import type { Config } from './config/schema.js';
import type { ServerLogger } from './logger.js';
import { openDatabase } from './storage/database.js';
import { FileOutputLog } from './storage/file-output-log.js';
import { OutputFiles } from './storage/output-files.js';
import { openPostgres } from './storage/postgres/database.js';
import { PgOutputLog } from './storage/postgres/output-log.js';
import { PgSigningKeyStore } from './storage/postgres/signing-keys.js';
import { SqlRecords } from './storage/records.js';
import { SqlOutputSearch } from './storage/output-search.js';
import { SqlRunStore } from './storage/runs.js';
import { SqlAuditStore } from './storage/audit.js';
import { FileSigningKeyStore } from './storage/signing-key.js';
import { UserStore, signInAccounts } from './storage/users.js';
import { SqlSessionStore } from './storage/sessions.js';

export interface ComposeOptions {
  readonly logger: ServerLogger;
  /**
   * The embedded default config: an `admin` account is kept in the database, its password from
   * OGENT_ADMIN_PASSWORD or generated and printed once.
   */
  readonly bootstrapAdmin?: boolean;
  /** Where the generated admin password is printed (never the log). */
  readonly announce: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** Output batching; the defaults suit production. */
  readonly writer?: OutputWriterOptions;
}

/** Ogent's services, built from the config, with what the adapters need beside them. */
export interface Ogent {
  readonly services: Services;
  readonly executor: Executor;
  readonly tokens: TokenService;
  /** Sessions: the WebSocket endpoint follows their renewals and closes what they end. */
  readonly sessions: SessionService;
  /** Pruning, and the storage figures `/healthz` shows. */
  readonly retention: RetentionService;
  /** This process, as named in owner leases. */
  readonly instanceId: string;
  /** Executions found `running` at start that no instance owns, now marked interrupted. */
  readonly recoveredInterrupted: number;
  /** Whether each backend answers (for `/healthz`): `database`, and `redis` in a cluster. */
  check(): Promise<Record<string, 'ok' | 'down'>>;
  /** Stops running executions (recorded as interrupted), then closes connections and storage. */
  close(): Promise<void>;
}

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

/**
 * Letters and digits without look-alikes (no 0/O, 1/l/I): nothing a terminal drops on a
 * double-click (a leading `-`), nothing misread when typed from the screen. 22 characters of 56
 * are about 128 bits.
 */
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

function generatedPassword(length = 22): string {
  let password = '';
  while (password.length < length) {
    // Rejection sampling: bytes at or above the largest multiple of the alphabet are skipped.
    for (const byte of randomBytes(length * 2)) {
      const limit = 256 - (256 % PASSWORD_ALPHABET.length);
      if (byte < limit && password.length < length) {
        password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
      }
    }
  }
  return password;
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
  const password = generatedPassword();
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
      '  Set OGENT_ADMIN_PASSWORD to choose it instead; to reset it, start once with',
      '  OGENT_ADMIN_PASSWORD set (the stored password is replaced).',
      '',
    ].join('\n'),
  );
}

/** Says, at every start, which account runs what people type for each local target. */
function announceLocalAccounts(config: Config, executor: Executor, logger: ServerLogger): void {
  for (const target of config.targets) {
    const transport = executor.transport(target.id);
    if (!(transport instanceof LocalTransport)) continue;
    const { username, uid, directory } = transport.account;
    logger[uid === 0 ? 'warn' : 'info'](
      { target: target.id, user: username, uid, directory },
      uid === 0
        ? `local target ${target.id} runs commands as root (runAsRoot is set)`
        : `local target ${target.id} runs commands as ${username}`,
    );
  }
}

/** How long sessions are kept after their maximum age, and how often they are pruned. */
const SESSION_KEEP_MS = 24 * 3_600_000;
const SESSION_PRUNE_EVERY_MS = 3_600_000;

/** How often the signing keys are read again, to take up a rotation. */
const KEY_REFRESH_MS = 60_000;

/**
 * The signing key store the config points at (a file in dataDir, or PostgreSQL), for the
 * `rotate-signing-key` command.
 */
export async function signingKeyStoreFor(
  config: Config,
): Promise<{ store: SigningKeyStore; close(): Promise<void> }> {
  if (config.storage.databaseUrl === undefined) {
    return {
      store: new FileSigningKeyStore(config.server.dataDir),
      close: () => Promise.resolve(),
    };
  }
  const postgres = await openPostgres(config.storage.databaseUrl);
  return { store: new PgSigningKeyStore(postgres.db), close: () => postgres.close() };
}

/** The audit store the config points at (SQLite in dataDir, or PostgreSQL), for the CLI. */
export async function auditStoreFor(
  config: Config,
): Promise<{ store: AuditStore; close(): Promise<void> }> {
  if (config.storage.databaseUrl === undefined) {
    const database = await openDatabase(config.server.dataDir);
    return { store: new SqlAuditStore(database.db, 'sqlite'), close: () => database.close() };
  }
  const postgres = await openPostgres(config.storage.databaseUrl);
  return { store: new SqlAuditStore(postgres.db, 'postgres'), close: () => postgres.close() };
}

/**
 * The composition root: builds every service from the config, on the single node's embedded
 * implementations (SQLite and files for records and output, in-process live bus, control and
 * coordination). The server, the tests and the benchmarks all start Ogent through this.
 */
export async function composeOgent(config: Config, options: ComposeOptions): Promise<Ogent> {
  const { logger, env, announce } = options;
  const clock = options.clock ?? systemClock;
  const instanceId = config.cluster.instanceId ?? randomUUID();

  const backends =
    config.storage.databaseUrl !== undefined && config.storage.redisUrl !== undefined
      ? await clusterBackends(config.storage.databaseUrl, config.storage.redisUrl, logger, clock)
      : await singleNodeBackends(config.server.dataDir, logger, clock);
  const { records, log, coordination } = backends;
  const audit = new AuditTrail(backends.audit, logger);
  const quotas = new Quotas(config.quotas, coordination.limiters);

  const userStore = backends.users;
  if (options.bootstrapAdmin === true) await ensureAdmin(userStore, env, announce);
  const { accounts, disabled } = signInAccounts(
    await userStore.all(),
    await configuredAccounts(config),
    options.bootstrapAdmin === true,
  );
  if (disabled.length > 0) {
    logger.warn(
      { accounts: disabled },
      `stored accounts not defined by the configuration are disabled and cannot sign in: ${disabled.join(', ')}`,
    );
  }
  if (accounts.length === 0 && config.auth.jwksUrl === undefined) {
    logger.warn('no users are configured: nobody can sign in');
  }

  const { auth: authConfig } = config;
  const sessions = new SessionService(backends.sessions, backends.sessionEvents, {
    tokenTtlMs: durationMs(authConfig.tokenTtl),
    maxSessionAgeMs: durationMs(authConfig.maxSessionAge),
    clock,
  });
  const tokens = await TokenService.create({
    keys: await backends.signingKeys.keys(),
    reload: () => backends.signingKeys.keys(),
    ttl: authConfig.tokenTtl,
    clock,
    ...(authConfig.jwksUrl !== undefined &&
    authConfig.issuer !== undefined &&
    authConfig.audience !== undefined
      ? {
          external: {
            jwksUrl: authConfig.jwksUrl,
            issuer: authConfig.issuer,
            audience: authConfig.audience,
            algorithms: authConfig.algorithms,
            rolesClaim: authConfig.rolesClaim,
            usernameClaim: authConfig.usernameClaim,
          },
        }
      : {}),
  });
  const auth = new AuthService(accounts, config.roles, tokens, {
    throttle: new LoginThrottle({
      freeFailuresPerAccount: authConfig.maxLoginFailures,
      freeFailuresPerAddress: authConfig.maxAddressFailures,
      windowMs: durationMs(authConfig.loginWindow),
      maxDelayMs: durationMs(authConfig.maxLoginDelay),
      createLimiter: coordination.limiters,
    }),
    disabled,
    sessions,
    audit,
    clock,
  });

  const policy = new CommandPolicy({
    commands: config.commands,
    roles: config.roles,
    maxInputLength: config.limits.maxInputLength,
  });
  const executor = new Executor(config.targets);
  announceLocalAccounts(config, executor, logger);

  // Output search: each execution's first `search.outputBytes` indexed as it ends (0: none).
  const indexer =
    config.search.outputBytes > 0
      ? new OutputIndexer({
          log,
          index: backends.search,
          outputBytes: config.search.outputBytes,
          logger,
        })
      : undefined;
  const executions = new ExecutionService({
    executor,
    policy,
    records,
    log,
    bus: backends.bus,
    control: backends.control,
    coordination,
    limits: config.limits,
    logger,
    clock,
    instanceId,
    leaseTtlMs: config.cluster.leaseTtlMs,
    audit,
    quotas,
    ...(indexer === undefined ? {} : { search: indexer }),
    ...(options.writer === undefined ? {} : { writer: options.writer }),
  });
  const runs = new RunService({
    store: backends.runs,
    executions,
    log,
    coordination,
    feed: backends.runFeed,
    policy,
    targets: config.targets,
    config: config.runs,
    limits: config.limits,
    clock,
    logger,
    instanceId,
    // In a cluster, how soon other instances take up a run's free window and see its changes.
    tickMs: config.runs.tickMs ?? (backends.shared ? 250 : 1_000),
    audit,
  });
  const recovered = (count: number): void => {
    logger.warn({ count }, 'executions that no instance runs any more marked interrupted');
  };
  // The single node just started: nothing it recorded as running runs. In a cluster another
  // instance may run it: recovery waits for a lease to lapse, and keeps looking.
  const recoveredInterrupted = await executions.recover({ immediately: !backends.shared });
  if (recoveredInterrupted > 0) recovered(recoveredInterrupted);
  // Keys rotated elsewhere (`ogent-server rotate-signing-key`, another instance) are taken up
  // here within a minute: new tokens are then signed with the new current key.
  let keyRefresh: TimerHandle | undefined;
  const refreshKeys = (): void => {
    keyRefresh = clock.setTimeout(() => {
      backends.signingKeys
        .keys()
        .then((keys) => tokens.useKeys(keys))
        .catch((error: unknown) => logger.warn({ err: error }, 'could not read the signing keys'))
        .finally(refreshKeys);
    }, KEY_REFRESH_MS);
  };
  refreshKeys();
  // Sessions past their maximum age are kept a day (the audit trail keeps their story), then go.
  let sessionPrune: TimerHandle | undefined;
  const pruneSessions = (): void => {
    sessionPrune = clock.setTimeout(() => {
      sessions
        .prune(SESSION_KEEP_MS)
        .catch((error: unknown) => logger.warn({ err: error }, 'could not prune sessions'))
        .finally(pruneSessions);
    }, SESSION_PRUNE_EVERY_MS);
  };
  pruneSessions();
  // Runs left running (this instance restarted, or another died) go on from where they are.
  runs.startScheduling();
  const retention = new RetentionService({
    records,
    log,
    runs: backends.runs,
    coordination,
    config: config.retention,
    clock,
    logger,
    instanceId,
    audit,
    search: backends.search,
  });
  retention.start();
  const stopSweeping = backends.shared
    ? executions.sweepEvery(Math.max(250, config.cluster.leaseTtlMs / 4), recovered)
    : () => undefined;

  return {
    services: {
      auth,
      executions,
      runs,
      audit: new AuditAccess(backends.audit),
      accounts: new AccountAdmin(auth, { audit, clock }),
      catalog: new TargetCatalog(config.targets, policy),
      storage: new StorageAccess({
        storage: () => retention.storage(),
        retention: config.retention,
        limits: config.limits,
        quotas: config.quotas,
        searchOutputBytes: config.search.outputBytes,
      }),
      clock,
    },
    executor,
    tokens,
    sessions,
    retention,
    instanceId,
    recoveredInterrupted,
    check: () => backends.check(),
    close: async () => {
      keyRefresh?.cancel();
      keyRefresh = undefined;
      sessionPrune?.cancel();
      sessionPrune = undefined;
      sessions.close();
      stopSweeping();
      await retention.stop();
      await runs.shutdown();
      await executions.shutdown();
      await audit.drain();
      await executor.close();
      await backends.close();
    },
  };
}

/** Where records, output and coordination live: the single node's or the cluster's. */
interface Backends {
  readonly records: ExecutionRecords;
  readonly runs: RunStore;
  readonly audit: AuditStore;
  readonly log: OutputLog;
  /** Output search, in the same database as the records. */
  readonly search: OutputSearchIndex;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly sessionEvents: SessionEvents;
  readonly runFeed: RunFeed;
  readonly signingKeys: SigningKeyStore;
  readonly bus: LiveBus;
  readonly control: Control;
  readonly coordination: Coordination;
  /** Shared with other instances (cluster mode). */
  readonly shared: boolean;
  check(): Promise<Record<string, 'ok' | 'down'>>;
  close(): Promise<void>;
}

/** Whether `probe` answers within a second. */
async function answers(probe: () => Promise<unknown>): Promise<'ok' | 'down'> {
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_000).unref()),
    ]);
    return 'ok';
  } catch {
    return 'down';
  }
}

/** SQLite and files in dataDir; live bus, control and coordination in this process. */
async function singleNodeBackends(
  dataDir: string,
  logger: ServerLogger,
  clock: Clock,
): Promise<Backends> {
  const database = await openDatabase(dataDir);
  if (database.migrated.length > 0)
    logger.info({ migrations: database.migrated, file: database.file }, 'database migrated');
  const outputFiles = await OutputFiles.open(dataDir);
  const search = new SqlOutputSearch(database.db, 'sqlite');
  return {
    records: new SqlRecords(database.db, search),
    search,
    runs: new SqlRunStore(database.db, 'sqlite'),
    audit: new SqlAuditStore(database.db, 'sqlite'),
    log: new FileOutputLog(database, outputFiles),
    users: new UserStore(database.db),
    sessions: new SqlSessionStore(database.db),
    sessionEvents: new InProcessSessionEvents(),
    runFeed: new InProcessRunFeed(),
    signingKeys: new FileSigningKeyStore(dataDir),
    bus: new InProcessLiveBus(),
    control: new InProcessControl(),
    coordination: new InProcessCoordination(clock),
    shared: false,
    check: async () => ({ database: await answers(() => sql`select 1`.execute(database.db)) }),
    close: async () => {
      await outputFiles.closeAll();
      await database.close();
    },
  };
}

/** One PostgreSQL and one Redis, shared with every other instance. */
async function clusterBackends(
  databaseUrl: string,
  redisUrl: string,
  logger: ServerLogger,
  clock: Clock,
): Promise<Backends> {
  const postgres = await openPostgres(databaseUrl);
  if (postgres.migrated.length > 0)
    logger.info({ migrations: postgres.migrated }, 'PostgreSQL migrated');
  let redis: RedisConnections;
  try {
    // Logged once per outage, not once per retry.
    let down = false;
    redis = await connectRedis(redisUrl, (error) => {
      if (down) return;
      down = true;
      logger.warn({ err: error }, 'Redis connection lost; reconnecting');
      setTimeout(() => {
        down = false;
      }, 5_000).unref();
    });
  } catch (error) {
    await postgres.close();
    throw error;
  }
  const bus = new RedisLiveBus(redis.client, redis.blocking, (error, what) =>
    logger.warn({ err: error }, `live bus: ${what} failed`),
  );
  const control = await RedisControl.start(redis.client, redis.subscriber);
  const sessionEvents = await RedisSessionEvents.start(redis.client, redis.subscriber);
  const search = new SqlOutputSearch(postgres.db, 'postgres');
  return {
    records: new SqlRecords(postgres.db, search),
    search,
    runs: new SqlRunStore(postgres.db, 'postgres'),
    audit: new SqlAuditStore(postgres.db, 'postgres'),
    log: new PgOutputLog(postgres.db),
    users: new UserStore(postgres.db),
    sessions: new SqlSessionStore(postgres.db),
    sessionEvents,
    runFeed: await RedisRunFeed.start(redis.client, redis.subscriber, (error) =>
      logger.warn({ err: error }, 'could not publish a run change'),
    ),
    signingKeys: new PgSigningKeyStore(postgres.db),
    bus,
    control,
    coordination: new RedisCoordination(redis.client, () => clock.now()),
    shared: true,
    check: async () => {
      const [database, cache] = await Promise.all([
        answers(() => sql`select 1`.execute(postgres.db)),
        answers(async () => {
          if (!(await redis.ping())) throw new Error('no answer');
        }),
      ]);
      return { database, redis: cache };
    },
    close: async () => {
      await bus.shutdown();
      await redis.close();
      await postgres.close();
    },
  };
}
