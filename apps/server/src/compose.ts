import { randomBytes, randomUUID } from 'node:crypto';
import {
  AuthService,
  ExecutionService,
  InProcessControl,
  InProcessCoordination,
  InProcessLiveBus,
  LoginThrottle,
  type OutputWriterOptions,
  type Services,
  TargetCatalog,
  TokenService,
  type UserAccount,
  durationMs,
  hashPassword,
} from '@ogent/api';
import { type Clock, CommandPolicy, Executor, LocalTransport, systemClock } from '@ogent/executor';
import { sql } from 'kysely';
import type { Config } from './config/schema.js';
import type { ServerLogger } from './logger.js';
import { openDatabase } from './storage/database.js';
import { FileOutputLog } from './storage/file-output-log.js';
import { OutputFiles } from './storage/output-files.js';
import { SqlRecords } from './storage/records.js';
import { FileSigningKeyStore } from './storage/signing-key.js';
import { UserStore, signInAccounts } from './storage/users.js';

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
  /** This process, as named in owner leases. */
  readonly instanceId: string;
  /** Executions found `running` at start that no instance owns, now marked interrupted. */
  readonly recoveredInterrupted: number;
  /** Throws when storage does not answer (for `/healthz`). */
  check(): Promise<void>;
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

/**
 * The composition root: builds every service from the config, on the single node's embedded
 * implementations (SQLite and files for records and output, in-process live bus, control and
 * coordination). The server, the tests and the benchmarks all start Ogent through this.
 */
export async function composeOgent(config: Config, options: ComposeOptions): Promise<Ogent> {
  const { logger, env, announce } = options;
  const clock = options.clock ?? systemClock;
  const instanceId = randomUUID();

  const database = await openDatabase(config.server.dataDir);
  if (database.migrated.length > 0)
    logger.info({ migrations: database.migrated, file: database.file }, 'database migrated');
  const outputFiles = await OutputFiles.open(config.server.dataDir);
  const records = new SqlRecords(database.db);
  const log = new FileOutputLog(database.db, outputFiles);
  const coordination = new InProcessCoordination(clock);

  const userStore = new UserStore(database.db);
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
  const tokens = await TokenService.create({
    key: await new FileSigningKeyStore(config.server.dataDir).loadOrCreate(),
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
  });

  const policy = new CommandPolicy({
    commands: config.commands,
    roles: config.roles,
    maxInputLength: config.limits.maxInputLength,
  });
  const executor = new Executor(config.targets);
  announceLocalAccounts(config, executor, logger);

  const executions = new ExecutionService({
    executor,
    policy,
    records,
    log,
    bus: new InProcessLiveBus(),
    control: new InProcessControl(),
    coordination,
    limits: config.limits,
    logger,
    clock,
    instanceId,
    ...(options.writer === undefined ? {} : { writer: options.writer }),
  });
  const recoveredInterrupted = await executions.recover({ immediately: true });
  if (recoveredInterrupted > 0) {
    logger.warn(
      { count: recoveredInterrupted },
      'executions left running by the last process marked interrupted',
    );
  }

  return {
    services: { auth, executions, catalog: new TargetCatalog(config.targets, policy), clock },
    executor,
    tokens,
    instanceId,
    recoveredInterrupted,
    check: async () => {
      await sql`select 1`.execute(database.db);
    },
    close: async () => {
      await executions.shutdown();
      await executor.close();
      await outputFiles.closeAll();
      await database.close();
    },
  };
}
