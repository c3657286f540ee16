import { randomUUID } from 'node:crypto';
import {
  AccountAdmin,
  AuditAccess,
  AuditTrail,
  type AuthService,
  ExecutionService,
  OutputIndexer,
  type OutputWriterOptions,
  Quotas,
  RetentionService,
  RunService,
  type Services,
  type SessionService,
  StorageAccess,
  TargetCatalog,
  type TokenService,
} from '@ogent/api';
import {
  type Clock,
  CommandPolicy,
  defined,
  Executor,
  LocalTransport,
  systemClock,
} from '@ogent/executor';
import { signInAccountsFor } from './compose/accounts.js';
import { startAuth } from './compose/auth.js';
import { type Backends, openBackends } from './compose/backends.js';
import type { Config } from './config/schema.js';
import { Lifecycle } from './lifecycle.js';
import type { ServerLogger } from './logger.js';

export interface ComposeOptions {
  readonly logger: ServerLogger;
  /**
   * The embedded default config: an `admin` account is kept in the database, its password from
   * OGENT_ADMIN_PASSWORD or generated and printed once.
   */
  readonly bootstrapAdmin?: boolean | undefined;
  /** Where the generated admin password is printed (never the log). */
  readonly announce: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly clock?: Clock | undefined;
  /** Output batching; the defaults suit production. */
  readonly writer?: OutputWriterOptions;
  /**
   * Where each part registers how it stops; the caller may add its own (the HTTP server does).
   * A new one when not given.
   */
  readonly lifecycle?: Lifecycle;
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
  /**
   * Runs the lifecycle's hooks once: running executions stopped (recorded as interrupted), then
   * timers, connections and storage closed, the last opened first.
   */
  close(): Promise<void>;
}

/** What every step of {@link composeOgent} shares. */
interface Context {
  readonly config: Config;
  readonly options: ComposeOptions;
  readonly lifecycle: Lifecycle;
  readonly logger: ServerLogger;
  readonly clock: Clock;
  readonly instanceId: string;
}

/** What the execution step builds, for the steps after it. */
interface Executions {
  readonly executions: ExecutionService;
  readonly policy: CommandPolicy;
  /** Says in the log how many executions no instance runs any more were marked interrupted. */
  readonly recovered: (count: number) => void;
}

/**
 * The composition root: builds every service from the config, on the single node's embedded
 * implementations (SQLite and files for records and output, in-process live bus, control and
 * coordination) or the cluster's (PostgreSQL and Redis). The server, the tests and the benchmarks
 * all start Ogent through this. A step that fails closes what the steps before it opened.
 */
export async function composeOgent(config: Config, options: ComposeOptions): Promise<Ogent> {
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const context: Context = {
    config,
    options,
    lifecycle,
    logger: options.logger,
    clock: options.clock ?? systemClock,
    instanceId: config.cluster.instanceId ?? randomUUID(),
  };
  try {
    const backends = await openBackends(config, lifecycle, context.logger, context.clock);
    const executor = startExecutor(context);
    const audit = startAuditTrail(context, backends);
    const accounts = await signInAccountsFor(config, backends.users, {
      ...options,
      bootstrapAdmin: options.bootstrapAdmin === true,
    });
    const { auth, sessions, tokens } = await startAuth({ ...context, backends, audit, accounts });
    const execution = startExecutions(context, backends, executor, audit);
    const runs = startRuns(context, backends, execution, audit);
    stopTakingWork(context, execution.executions, runs);
    const recoveredInterrupted = await recoverExecutions(context, backends, execution);
    // Runs left running (this instance restarted, or another died) go on from where they are.
    runs.startScheduling();
    const retention = startRetention(context, backends, audit);
    return {
      services: services(context, { backends, auth, audit, execution, runs, retention }),
      executor,
      tokens,
      sessions,
      retention,
      instanceId: context.instanceId,
      recoveredInterrupted,
      check: () => backends.check(),
      close: () => lifecycle.close(),
    };
  } catch (error) {
    await lifecycle.close().catch((closing: unknown) => {
      context.logger.warn({ err: closing }, 'closing after a failed start failed');
    });
    throw error;
  }
}

/** The targets' transports; says at every start which account runs what on each local one. */
function startExecutor({ config, lifecycle, logger }: Context): Executor {
  const executor = new Executor(config.targets);
  lifecycle.onClose('executor', () => executor.close());
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
  return executor;
}

/** The audit trail; its last events are written before storage closes. */
function startAuditTrail({ lifecycle, logger }: Context, backends: Backends): AuditTrail {
  const audit = new AuditTrail(backends.audit, logger);
  lifecycle.onClose('audit trail', () => audit.drain());
  return audit;
}

/** The command policy and the execution service, with output search when it is configured. */
function startExecutions(
  { config, options, logger, clock, instanceId }: Context,
  backends: Backends,
  executor: Executor,
  audit: AuditTrail,
): Executions {
  const policy = new CommandPolicy({
    commands: config.commands,
    roles: config.roles,
    maxInputLength: config.limits.maxInputLength,
  });
  // Output search: each execution's first `search.outputBytes` indexed as it ends (0: none).
  const indexer =
    config.search.outputBytes > 0
      ? new OutputIndexer({
          log: backends.log,
          index: backends.search,
          outputBytes: config.search.outputBytes,
          logger,
        })
      : undefined;
  const executions = new ExecutionService({
    executor,
    policy,
    records: backends.records,
    log: backends.log,
    bus: backends.bus,
    control: backends.control,
    coordination: backends.coordination,
    limits: config.limits,
    logger,
    clock,
    instanceId,
    leaseTtlMs: config.cluster.leaseTtlMs,
    audit,
    quotas: new Quotas(config.quotas, backends.coordination.limiters),
    ...defined({ search: indexer, writer: options.writer }),
  });
  const recovered = (count: number): void => {
    logger.warn({ count }, 'executions that no instance runs any more marked interrupted');
  };
  return { executions, policy, recovered };
}

/** Fleet runs: one command on many targets, over the execution service. */
function startRuns(
  { config, logger, clock, instanceId }: Context,
  backends: Backends,
  { executions, policy }: Executions,
  audit: AuditTrail,
): RunService {
  return new RunService({
    store: backends.runs,
    executions,
    log: backends.log,
    coordination: backends.coordination,
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
}

/**
 * Executions and runs stop taking work at once, before anything closes: a run's host that was
 * starting meanwhile is refused and goes back to pending, for the next start.
 */
function stopTakingWork(
  { lifecycle }: Context,
  executions: ExecutionService,
  runs: RunService,
): void {
  lifecycle.preClose('executions and runs', async () => {
    const runsStopped = runs.shutdown();
    await executions.shutdown();
    await runsStopped;
  });
}

/**
 * Marks interrupted what no instance runs. The single node just started: nothing it recorded as
 * running runs. In a cluster another instance may run it: recovery waits for a lease to lapse,
 * and a sweep keeps looking.
 */
async function recoverExecutions(
  { config, lifecycle }: Context,
  backends: Backends,
  { executions, recovered }: Executions,
): Promise<number> {
  const count = await executions.recover({ immediately: !backends.shared });
  if (count > 0) recovered(count);
  if (backends.shared) {
    const stopSweeping = executions.sweepEvery(
      Math.max(250, config.cluster.leaseTtlMs / 4),
      recovered,
    );
    lifecycle.onClose('interrupted-execution sweep', stopSweeping);
  }
  return count;
}

/** Pruning of old executions, output and runs, on the retention config's schedule. */
function startRetention(
  { config, lifecycle, logger, clock, instanceId }: Context,
  backends: Backends,
  audit: AuditTrail,
): RetentionService {
  const retention = new RetentionService({
    records: backends.records,
    log: backends.log,
    runs: backends.runs,
    coordination: backends.coordination,
    config: config.retention,
    clock,
    logger,
    instanceId,
    audit,
    search: backends.search,
  });
  retention.start();
  lifecycle.onClose('retention', () => retention.stop());
  return retention;
}

/** The services the tRPC router and the REST adapter call. */
function services(
  { config, clock }: Context,
  parts: {
    readonly backends: Backends;
    readonly auth: AuthService;
    readonly audit: AuditTrail;
    readonly execution: Executions;
    readonly runs: RunService;
    readonly retention: RetentionService;
  },
): Services {
  const { auth, audit, execution, retention } = parts;
  return {
    auth,
    executions: execution.executions,
    runs: parts.runs,
    audit: new AuditAccess(parts.backends.audit),
    accounts: new AccountAdmin(auth, { audit, clock }),
    catalog: new TargetCatalog(config.targets, execution.policy),
    storage: new StorageAccess({
      storage: () => retention.storage(),
      retention: config.retention,
      limits: config.limits,
      quotas: config.quotas,
      searchOutputBytes: config.search.outputBytes,
    }),
    clock,
  };
}
