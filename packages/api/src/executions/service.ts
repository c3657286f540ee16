import type { CommandPolicy, Executor, TimerHandle } from '@ogent/executor';
import type { AuthUser } from '../domain/user.js';
import { auditEntry } from '../domain/audit-chain.js';
import { DomainError, isDomainError } from '../errors.js';
import { ExecutionAccess } from './access.js';
import { Admission, type ExecuteRequest, type Principal, type RunHostRef } from './admission.js';
import { ExecutionLifecycle, type ExecutionLifecycleListener } from './lifecycle.js';
import { endMessageFromRecord } from './messages.js';
import { executionOutcome } from './outcome.js';
import { LEASE_TTL_MS, Runner, type RunnerDeps } from './runner.js';
import type {
  ExecutionListItem,
  ExecutionMessage,
  ExecutionQuery,
  ExecutionRecord,
} from '../domain/execution.js';
import { type WatchOptions, Watcher } from './watcher.js';

/** Everything the execution service is built from; see the server's composition root. */
export interface ExecutionServiceDeps extends Omit<
  RunnerDeps,
  'executor' | 'leaseTtlMs' | 'lifecycle'
> {
  readonly executor: Pick<Executor, 'execute' | 'target'>;
  readonly policy: CommandPolicy;
  /** Owner leases and running slots last this long unless renewed (default LEASE_TTL_MS). */
  readonly leaseTtlMs?: number;
}

/**
 * What the adapters call: admission and audit, the runner, read access and watching, each its
 * own building block, composed here. Knows no protocol: it throws DomainError, which each adapter
 * maps once.
 */
export class ExecutionService {
  private readonly access: ExecutionAccess;
  private readonly admission: Admission;
  private readonly runner: Runner;
  private readonly watcher: Watcher;
  private readonly lifecycle: ExecutionLifecycle;
  private closing = false;

  /** Running records seen with no owner, and since when: recovery waits a full lease first. */
  private readonly orphans = new Map<string, number>();
  private readonly leaseTtlMs: number;

  constructor(private readonly deps: ExecutionServiceDeps) {
    this.leaseTtlMs = deps.leaseTtlMs ?? LEASE_TTL_MS;
    this.lifecycle = new ExecutionLifecycle(deps.logger);
    const withLease = { ...deps, leaseTtlMs: this.leaseTtlMs, lifecycle: this.lifecycle };
    this.access = new ExecutionAccess(deps.records, deps.bus);
    this.admission = new Admission(withLease);
    this.runner = new Runner(withLease);
    this.watcher = new Watcher({ ...deps, access: this.access });
  }

  /** Executions running on this instance. */
  get runningCount(): number {
    return this.runner.runningCount;
  }

  /**
   * Tells `listener` of every execution's start and end on this instance (an end after its
   * record says so); any number of listeners. Returns how to stop listening.
   */
  subscribe(listener: ExecutionLifecycleListener): () => void {
    return this.lifecycle.subscribe(listener);
  }

  /**
   * Stops executions wherever they run, for a fleet run's cancel or failure policy (whose
   * caller's rights the run service has checked). Returns how many a runner was there to stop.
   */
  async stop(ids: readonly string[]): Promise<number> {
    const stopped = await Promise.all(ids.map((id) => this.deps.control.cancel(id)));
    return stopped.filter(Boolean).length;
  }

  /**
   * Decides on a command and, if allowed, starts it and returns at once. Every attempt is
   * recorded. Throws DomainError: `command_refused`, `not_found` (unknown target),
   * `rate_limited` (the user's concurrency limit), `conflict` (a reused idempotency key),
   * `unavailable` (shutting down).
   */
  execute(user: AuthUser, request: Omit<ExecuteRequest, 'run'>): Promise<{ executionId: string }> {
    return this.admitAndStart(user, request);
  }

  /**
   * Runs one host of a fleet run on behalf of the run's requester: the user who started it, with
   * the roles recorded then (checked by the policy here, per host, as for any execution). The one
   * entry point for work done for a user who is not calling now: a check of the account's
   * current state belongs here. Throws as {@link execute} does.
   */
  executeForRun(
    requester: Principal,
    run: RunHostRef,
    request: Pick<ExecuteRequest, 'target' | 'command' | 'source' | 'timeoutMs'>,
  ): Promise<{ executionId: string }> {
    return this.admitAndStart(requester, { ...request, run });
  }

  private async admitAndStart(
    principal: Principal,
    request: ExecuteRequest,
  ): Promise<{ executionId: string }> {
    if (this.closing) {
      throw new DomainError('unavailable', 'The server is shutting down; try again in a moment.');
    }
    let result: Awaited<ReturnType<Admission['admit']>>;
    try {
      result = await this.admission.admit(principal, request);
    } catch (error) {
      throw this.unavailable(error, 'admitting a command');
    }
    if ('replayed' in result) return { executionId: result.replayed };
    try {
      await this.runner.start(result.admitted);
    } catch (error) {
      throw this.unavailable(error, 'starting a command');
    }
    return { executionId: result.admitted.id };
  }

  /**
   * A failure of storage or coordination (the database or Redis away) while taking a command:
   * the command did not run, and the caller is told to retry, not that the server broke.
   */
  private unavailable(error: unknown, what: string): unknown {
    if (isDomainError(error)) return error;
    this.deps.logger.error({ err: error }, `storage failed while ${what}`);
    return new DomainError(
      'unavailable',
      'Storage is unreachable, so the command was not run. Try again in a moment.',
      { cause: error },
    );
  }

  /** An execution's record, whoever's it is (for the services' own bookkeeping). */
  record(id: string): Promise<ExecutionRecord | undefined> {
    return this.deps.records.get(id);
  }

  /** Whether the execution runs on this instance. */
  runsHere(id: string): boolean {
    return this.runner.runs(id);
  }

  /** An execution the user may see; `not_found` for one that does not exist or is not theirs. */
  byId(user: AuthUser, id: string): Promise<ExecutionRecord> {
    return this.access.byId(user, id);
  }

  list(
    user: AuthUser,
    query: Omit<ExecutionQuery, 'username'> & { username?: string },
  ): Promise<{ items: ExecutionListItem[]; nextCursor: string | null }> {
    return this.access.list(user, query);
  }

  /** How much of each execution's output text search sees, in bytes (0: commands only). */
  searchScope(): { outputBytes: number } {
    return { outputBytes: this.deps.search?.outputBytes ?? 0 };
  }

  /**
   * Stops a running execution, wherever it runs (TERM to its process group, KILL after the
   * grace period). Returns whether a runner was there to stop it.
   */
  async cancel(
    user: AuthUser,
    id: string,
  ): Promise<{ cancelled: boolean; status: ExecutionRecord['status'] }> {
    const record = await this.access.forCancel(user, id);
    if (record.status !== 'running') return { cancelled: false, status: record.status };
    this.deps.logger.info({ executionId: id, by: user.username }, 'cancel requested');
    this.deps.audit?.note(
      auditEntry({
        type: 'execution.cancel',
        at: this.deps.clock.now(),
        actor: user.username,
        address: null,
        subject: id,
        data: { owner: record.username, target: record.target },
      }),
    );
    const cancelled = await this.deps.control.cancel(id);
    return cancelled
      ? { cancelled: true, status: 'running' }
      : { cancelled: false, status: endMessageFromRecord(record).status };
  }

  /** See {@link Watcher.watch}. */
  watch(
    user: AuthUser,
    id: string,
    options: WatchOptions,
  ): AsyncGenerator<ExecutionMessage, void, undefined> {
    return this.watcher.watch(user, id, options);
  }

  /**
   * Marks executions recorded as running that no instance owns any more as interrupted, with
   * the output stored so far. Returns how many.
   *
   * `immediately`: at the single node's start, where no other instance can own anything. In a
   * cluster a lease can be missing for a moment (Redis restarted, a renewal late): an execution
   * is interrupted only once it has been seen without an owner for a whole lease, so call this
   * periodically (see {@link ExecutionService.sweepEvery}).
   */
  async recover(options: { immediately?: boolean } = {}): Promise<number> {
    const now = this.deps.clock.now();
    const running = await this.deps.records.running();
    const seen = new Set<string>();
    let count = 0;
    for (const record of running) {
      seen.add(record.id);
      if ((await this.deps.coordination.ownerOf(record.id)) !== undefined) {
        this.orphans.delete(record.id);
        continue;
      }
      const since = this.orphans.get(record.id) ?? now;
      this.orphans.set(record.id, since);
      if (options.immediately !== true && now - since < this.leaseTtlMs) continue;
      const stored = await this.deps.log.summary(record.id);
      await this.deps.records.finish(
        record.id,
        executionOutcome({
          status: 'interrupted',
          finishedAt: now,
          error: {
            code: 'interrupted',
            message: 'The server running the command stopped while it ran.',
          },
          ...stored,
          // Counted as the output streams in, by the runner that is gone.
          outputLines: null,
        }),
      );
      await this.deps.search?.indexExecution(record.id);
      this.orphans.delete(record.id);
      count += 1;
    }
    for (const id of this.orphans.keys()) if (!seen.has(id)) this.orphans.delete(id);
    return count;
  }

  /**
   * Runs {@link recover} every `intervalMs` until shutdown, so executions of an instance that
   * died are interrupted within about two leases. Returns how to stop it.
   */
  sweepEvery(intervalMs: number, onRecovered: (count: number) => void): () => void {
    let timer: TimerHandle | undefined;
    let stopped = false;
    const tick = (): void => {
      timer = this.deps.clock.setTimeout(() => {
        this.recover()
          .then((count) => {
            if (count > 0) onRecovered(count);
          })
          .catch(() => undefined)
          .finally(() => {
            if (!stopped) tick();
          });
      }, intervalMs);
    };
    tick();
    return () => {
      stopped = true;
      timer?.cancel();
    };
  }

  /**
   * Refuses new executions, stops every running one and records it as interrupted. Executions
   * that were starting while this ran are waited for too.
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    await this.runner.shutdown();
  }
}
