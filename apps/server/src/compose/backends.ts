import {
  type AuditStore,
  type Control,
  type Coordination,
  type ExecutionRecords,
  InProcessControl,
  InProcessCoordination,
  InProcessLiveBus,
  InProcessRunFeed,
  InProcessSessionEvents,
  type LiveBus,
  type OutputLog,
  type OutputSearchIndex,
  type RunFeed,
  type RunStore,
  type SessionEvents,
  type SessionStore,
  type SigningKeyStore,
} from '@ogent/api';
import type { Clock } from '@ogent/executor';
import { sql } from 'kysely';
import { connectRedis } from '../cluster/redis.js';
import { RedisControl } from '../cluster/redis-control.js';
import { RedisCoordination } from '../cluster/redis-coordination.js';
import { RedisLiveBus } from '../cluster/redis-live-bus.js';
import { RedisRunFeed } from '../cluster/redis-run-feed.js';
import { RedisSessionEvents } from '../cluster/redis-session-events.js';
import type { Config } from '../config/schema.js';
import type { Lifecycle } from '../lifecycle.js';
import type { ServerLogger } from '../logger.js';
import { SqlAuditStore } from '../storage/audit.js';
import { openDatabase } from '../storage/database.js';
import { FileOutputLog } from '../storage/file-output-log.js';
import { OutputFiles } from '../storage/output-files.js';
import { SqlOutputSearch } from '../storage/output-search.js';
import { openPostgres } from '../storage/postgres/database.js';
import { PgOutputLog } from '../storage/postgres/output-log.js';
import { PgSigningKeyStore } from '../storage/postgres/signing-keys.js';
import { SqlRecords } from '../storage/records.js';
import { SqlRunStore } from '../storage/runs.js';
import { SqlSessionStore } from '../storage/sessions.js';
import { FileSigningKeyStore } from '../storage/signing-key.js';
import { UserStore } from '../storage/users.js';

/** Where records, output and coordination live: the single node's or the cluster's. */
export interface Backends {
  readonly records: ExecutionRecords;
  readonly runs: RunStore;
  readonly audit: AuditStore;
  readonly log: OutputLog;
  /** Output search, in the same database as the records. */
  readonly search: OutputSearchIndex;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly sessionEvents: SessionEvents;
  /** Tells every instance that a fleet run changed, so its watchers hear it at once. */
  readonly runFeed: RunFeed;
  readonly signingKeys: SigningKeyStore;
  readonly bus: LiveBus;
  readonly control: Control;
  readonly coordination: Coordination;
  /** Shared with other instances (cluster mode). */
  readonly shared: boolean;
  check(): Promise<Record<string, 'ok' | 'down'>>;
}

/**
 * Opens the backends the config names: PostgreSQL and Redis when it gives both, else SQLite and
 * files in dataDir. Each registers its close hook on `lifecycle` as it opens.
 */
export function openBackends(
  config: Config,
  lifecycle: Lifecycle,
  logger: ServerLogger,
  clock: Clock,
): Promise<Backends> {
  const { databaseUrl, redisUrl } = config.storage;
  return databaseUrl !== undefined && redisUrl !== undefined
    ? clusterBackends(databaseUrl, redisUrl, lifecycle, logger, clock)
    : singleNodeBackends(config.server.dataDir, lifecycle, logger, clock);
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
  lifecycle: Lifecycle,
  logger: ServerLogger,
  clock: Clock,
): Promise<Backends> {
  const database = await openDatabase(dataDir);
  lifecycle.onClose('SQLite', () => database.close());
  if (database.migrated.length > 0)
    logger.info({ migrations: database.migrated, file: database.file }, 'database migrated');
  const outputFiles = await OutputFiles.open(dataDir);
  lifecycle.onClose('output files', () => outputFiles.closeAll());
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
  };
}

/** Redis's connection errors, logged once per outage rather than once per retry. */
function redisErrorLogger(logger: ServerLogger): (error: Error) => void {
  let down = false;
  return (error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error }, 'Redis connection lost; reconnecting');
    setTimeout(() => {
      down = false;
    }, 5_000).unref();
  };
}

/** One PostgreSQL and one Redis, shared with every other instance. */
async function clusterBackends(
  databaseUrl: string,
  redisUrl: string,
  lifecycle: Lifecycle,
  logger: ServerLogger,
  clock: Clock,
): Promise<Backends> {
  const postgres = await openPostgres(databaseUrl);
  lifecycle.onClose('PostgreSQL', () => postgres.close());
  if (postgres.migrated.length > 0)
    logger.info({ migrations: postgres.migrated }, 'PostgreSQL migrated');
  const redis = await connectRedis(redisUrl, redisErrorLogger(logger));
  lifecycle.onClose('Redis', () => redis.close());
  const bus = new RedisLiveBus(redis.client, redis.blocking, (error, what) =>
    logger.warn({ err: error }, `live bus: ${what} failed`),
  );
  lifecycle.onClose('live bus', () => bus.shutdown());
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
  };
}
