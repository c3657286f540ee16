import { randomUUID } from 'node:crypto';
import type { Clock, CommandPolicy, Target } from '@ogent/executor';
import type { AuthUser } from '../domain/user.js';
import type { LimitsConfig, RunsConfig } from '../config.js';
import { auditEntry } from '../domain/audit-chain.js';
import type { AuditTrail } from '../audit/trail.js';
import { DomainError } from '../errors.js';
import { mayCancel, mayView } from '../executions/access.js';
import { commandLine } from '../executions/admission.js';
import type { ExecutionService } from '../executions/service.js';
import type { Logger } from '../logger.js';
import type { Coordination } from '../ports/coordination.js';
import type { OutputLog } from '../ports/output-log.js';
import type { RunFeed, RunStore } from '../ports/runs.js';
import { BackgroundWork } from './background.js';
import { groupHosts, hostOutput } from './groups.js';
import { HostLedger } from './host-ledger.js';
import { summarize } from './plan.js';
import { RunProgress } from './progress.js';
import { RunReconciler } from './reconciler.js';
import { RunScheduler } from './scheduler.js';
import { type RunTargets, previewTargets, resolveTargets } from './targets.js';
import type {
  BatchSize,
  HostStatus,
  PreviewTarget,
  RunHost,
  RunListItem,
  RunOptions,
  RunProgressEvent,
  RunRecord,
  RunSummary,
  RunView,
} from '../domain/run.js';

export type { RunTargets };
export { GROUP_SAMPLE_BYTES } from './groups.js';

export interface StartRunRequest extends RunTargets {
  readonly command: string;
  /** Extra arguments, each one literal word of the command line (see `commandLine`). */
  readonly params?: readonly string[];
  readonly source: RunRecord['source'];
  readonly concurrency?: number;
  readonly batches?: readonly BatchSize[];
  readonly hostTimeoutMs?: number;
  readonly maxFailures?: number;
  readonly maxFailurePercent?: number;
  readonly onFailure?: RunOptions['onFailure'];
}

export interface RunServiceDeps {
  readonly store: RunStore;
  readonly executions: ExecutionService;
  readonly log: OutputLog;
  readonly coordination: Coordination;
  /** Where run changes are published for watchers on every instance. */
  readonly feed: RunFeed;
  readonly policy: CommandPolicy;
  readonly targets: readonly Target[];
  readonly config: RunsConfig;
  readonly limits: LimitsConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly instanceId: string;
  /** How often this instance looks at running runs for hosts to start or reconcile. */
  readonly tickMs: number;
  /** The audit trail: starting and cancelling a run are events (each host's attempt is too). */
  readonly audit?: AuditTrail;
}

/**
 * Fleet runs: one command on many targets. A run is a record with one ordinary execution per
 * host (each admitted by the policy for that target, audited, resumable and cancellable as any
 * other), started through a sliding window, in rolling batches, under a failure policy.
 *
 * The run's state lives in the store, not in any process, and changes host by host through one
 * reducer ({@link reduceHost}) applied by the {@link HostLedger}. Around it: the
 * {@link RunScheduler} starts hosts within the window, the {@link RunReconciler} ends those whose
 * instance died, and {@link RunProgress} tells watchers on every instance. This facade checks
 * who may do what.
 */
export class RunService {
  private readonly work = new BackgroundWork();
  private readonly progress: RunProgress;
  private readonly ledger: HostLedger;
  private readonly scheduler: RunScheduler;
  private readonly reconciler: RunReconciler;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: RunServiceDeps) {
    const { work } = this;
    this.progress = new RunProgress(deps);
    const changed = (runId: string): void => this.progress.changed(runId);
    this.ledger = new HostLedger({
      ...deps,
      changed,
      ended: (runId) => this.scheduler.kick(runId),
    });
    this.scheduler = new RunScheduler({ ...deps, ledger: this.ledger, work, changed });
    this.reconciler = new RunReconciler({
      ...deps,
      ledger: this.ledger,
      scheduler: this.scheduler,
      work,
    });
    this.unsubscribe = deps.executions.subscribe((event) => {
      if (event.type === 'ended' && event.execution.run !== undefined) {
        work.track(this.ledger.recordEnd(event));
      }
    });
  }

  /** Starts looking after running runs: hosts to start, hosts whose instance died. */
  startScheduling(): void {
    this.reconciler.start();
  }

  /** Stops starting hosts; hosts already running end as executions do. */
  async shutdown(): Promise<void> {
    this.reconciler.stop();
    await this.work.close();
    this.unsubscribe();
    this.progress.close();
  }

  /** The targets a run would reach, and whether the caller may run the command on each. */
  preview(user: AuthUser, request: RunTargets & { readonly command?: string }): PreviewTarget[] {
    const targets = resolveTargets(this.deps.targets, request);
    return previewTargets(this.deps.policy, targets, user, request.command);
  }

  /**
   * Creates a run and starts its first hosts. Throws `invalid_input` (no target, a bad selector,
   * options out of range), `not_found` (an unknown target id), `rate_limited` (the user's
   * running runs).
   */
  async start(
    user: AuthUser,
    request: StartRunRequest,
    retryOf?: string,
  ): Promise<{ runId: string }> {
    if (this.work.closing) {
      throw new DomainError('unavailable', 'The server is shutting down; try again in a moment.');
    }
    const targets = resolveTargets(this.deps.targets, request);
    const run = this.newRun(user, request, targets.length, retryOf ?? null);
    const running = await this.deps.store.active(user.username);
    if (running.length >= this.deps.config.maxRunningPerUser) {
      throw new DomainError(
        'rate_limited',
        `You already have ${running.length} runs running (limit ${this.deps.config.maxRunningPerUser}). ` +
          'Wait for one to end or cancel it.',
      );
    }
    await this.deps.store.create(
      run,
      targets.map((t) => t.id),
    );
    await this.deps.audit?.record(
      auditEntry({
        type: 'run.start',
        at: run.createdAt,
        actor: user.username,
        address: null,
        subject: run.id,
        data: {
          command: run.command,
          selector: run.selector,
          targets: targets.length,
          options: { ...run.options },
          retryOf: run.retryOf,
        },
      }),
    );
    this.deps.logger.info(
      {
        runId: run.id,
        user: user.username,
        targets: run.total,
        concurrency: run.options.concurrency,
      },
      'run started',
    );
    this.scheduler.kick(run.id);
    return { runId: run.id };
  }

  /**
   * The run's record, its options checked against the config. Its hosts act for `user` as the
   * user is now: the name and roles recorded here are what each host is admitted with.
   */
  private newRun(
    user: AuthUser,
    request: StartRunRequest,
    total: number,
    retryOf: string | null,
  ): RunRecord {
    const { config, limits } = this.deps;
    if (total > config.maxTargets) {
      throw new DomainError(
        'invalid_input',
        `The run names ${total} targets; runs.maxTargets allows ${config.maxTargets}.`,
      );
    }
    const concurrency = request.concurrency ?? config.defaultConcurrency;
    if (concurrency > config.maxConcurrency) {
      throw new DomainError(
        'invalid_input',
        `concurrency ${concurrency} is over runs.maxConcurrency (${config.maxConcurrency}).`,
      );
    }
    return {
      id: randomUUID(),
      username: user.username,
      roles: user.roles,
      command: commandLine(request),
      selector: request.selector ?? null,
      requestedTargets: request.targets ?? null,
      options: {
        concurrency,
        batches: request.batches ?? [],
        hostTimeoutMs: Math.min(request.hostTimeoutMs ?? limits.timeoutMs, limits.timeoutMs),
        maxFailures: request.maxFailures ?? null,
        maxFailurePercent: request.maxFailurePercent ?? null,
        onFailure: request.onFailure ?? 'finish',
      },
      status: 'running',
      stop: null,
      stopReason: null,
      retryOf,
      source: request.source,
      createdAt: this.deps.clock.now(),
      finishedAt: null,
      version: 1,
      total,
    };
  }

  /** A run the user may see, with every host, the summary and the groups. */
  async byId(user: AuthUser, id: string): Promise<RunView> {
    const run = await this.viewable(user, id);
    const [hosts, counts] = await Promise.all([
      this.deps.store.hosts(id),
      this.deps.store.counts(id),
    ]);
    return {
      ...run,
      summary: summarize(counts, run.total),
      hosts,
      groups: await groupHosts(this.deps.log, hosts),
    };
  }

  /** One's own runs, or everyone's with `viewAll`, newest first. */
  async list(
    user: AuthUser,
    query: { readonly limit: number; readonly cursor?: string },
  ): Promise<{ items: RunListItem[]; nextCursor: string | null }> {
    const page = await this.deps.store.list({
      ...query,
      ...(user.viewAll ? {} : { username: user.username }),
    });
    const items = await Promise.all(
      page.items.map(async (run) => ({
        ...run,
        summary: summarize(await this.deps.store.counts(run.id), run.total),
      })),
    );
    return { items, nextCursor: page.nextCursor };
  }

  /**
   * Cancels a run: hosts not started are skipped, running ones cancelled. Returns whether it
   * was still running.
   */
  async cancel(
    user: AuthUser,
    id: string,
  ): Promise<{ cancelled: boolean; status: RunRecord['status'] }> {
    const run = await this.viewable(user, id);
    if (!mayCancel(user, run)) {
      throw new DomainError('forbidden', 'Your role may not cancel other users\u2019 runs.');
    }
    if (run.status !== 'running') return { cancelled: false, status: run.status };
    this.deps.logger.info({ runId: id, by: user.username }, 'run cancel requested');
    this.deps.audit?.note(
      auditEntry({
        type: 'run.cancel',
        at: this.deps.clock.now(),
        actor: user.username,
        address: null,
        subject: id,
        data: { owner: run.username },
      }),
    );
    const status = await this.ledger.cancel(id, `Cancelled by ${user.username}.`);
    if (status === undefined) throw notFound(id);
    return { cancelled: true, status };
  }

  /**
   * A new run of the same command and options on the hosts of this one that did not succeed and
   * were not refused (failed, cancelled, skipped).
   */
  async retry(user: AuthUser, id: string, source: RunRecord['source']): Promise<{ runId: string }> {
    const run = await this.viewable(user, id);
    if (run.username !== user.username) {
      throw new DomainError('forbidden', 'Only the user who started a run can retry it.');
    }
    if (run.status === 'running') {
      throw new DomainError('invalid_input', 'The run is still running: retry it once it ends.');
    }
    const again = (await this.deps.store.hosts(id))
      .filter((h) => h.status === 'failed' || h.status === 'cancelled' || h.status === 'skipped')
      .map((h) => h.target);
    if (again.length === 0) {
      throw new DomainError('invalid_input', 'Every host of this run succeeded or was refused.');
    }
    const known = new Set(this.deps.targets.map((t) => t.id));
    const { options } = run;
    return this.start(
      user,
      {
        command: run.command,
        targets: again.filter((t) => known.has(t)),
        source,
        concurrency: Math.min(options.concurrency, this.deps.config.maxConcurrency),
        batches: options.batches,
        hostTimeoutMs: options.hostTimeoutMs,
        onFailure: options.onFailure,
        ...(options.maxFailures === null ? {} : { maxFailures: options.maxFailures }),
        ...(options.maxFailurePercent === null
          ? {}
          : { maxFailurePercent: options.maxFailurePercent }),
      },
      id,
    );
  }

  /** See {@link RunProgress.watch}; the user must be allowed to see the run. */
  async *watch(
    user: AuthUser,
    id: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<RunProgressEvent, void, undefined> {
    await this.viewable(user, id);
    yield* this.progress.watch(id, afterSeq, signal, () => notFound(id));
  }

  /**
   * A host's output as text (stdout and stderr as they came), its first `maxBytes`; `cut` when
   * there is more. For callers that have the run from {@link byId}.
   */
  hostOutput(host: RunHost, maxBytes: number): Promise<{ text: string; cut: boolean }> {
    return hostOutput(this.deps.log, host, maxBytes);
  }

  private async viewable(user: AuthUser, id: string): Promise<RunRecord> {
    const run = await this.deps.store.get(id);
    if (run === undefined || !mayView(user, run)) throw notFound(id);
    return run;
  }
}

function notFound(id: string): DomainError {
  return new DomainError('not_found', `No run ${id}.`);
}

export type { HostStatus, RunSummary };
