import { createHash, randomUUID } from 'node:crypto';
import type { Clock, CommandPolicy, Target, TimerHandle } from '@ogent/executor';
import type { AuthUser } from '../auth/service.js';
import type { LimitsConfig, RunsConfig } from '../config.js';
import { auditEntry } from '../audit/chain.js';
import type { AuditTrail } from '../audit/trail.js';
import { CommandRefusedError, DomainError, isDomainError } from '../errors.js';
import { mayCancel, mayView } from '../executions/access.js';
import { type AdmittedExecution, commandLine } from '../executions/admission.js';
import type { ExecutionService } from '../executions/service.js';
import type { ExecutionOutcome } from '../executions/types.js';
import type { Logger } from '../logger.js';
import type { Coordination } from '../ports/coordination.js';
import type { OutputLog } from '../ports/output-log.js';
import type { RunStore, RunTransaction } from '../ports/runs.js';
import { foldHosts } from './fold.js';
import { failureStop, finalStatus, hostStatusOf, startableBefore, summarize } from './plan.js';
import { parseSelector } from './selector.js';
import type {
  BatchSize,
  HostStatus,
  PreviewTarget,
  RunGroup,
  RunHost,
  RunListItem,
  RunOptions,
  RunProgressEvent,
  RunRecord,
  RunSummary,
  RunView,
} from './types.js';

/** Which targets a run names: ids, a selector, or both (their union). */
export interface RunTargets {
  readonly targets?: readonly string[];
  readonly selector?: string;
}

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

/** Bytes of a group's sample output. */
export const GROUP_SAMPLE_BYTES = 16 * 1024;

/** A claimed host whose execution never got recorded (its instance died) is failed after this. */
const ORPHAN_CLAIM_MS = 60_000;

/**
 * Fleet runs: one command on many targets. A run is a record with one ordinary execution per
 * host (each admitted by the policy for that target, audited, resumable and cancellable as any
 * other), started through a sliding window, in rolling batches, under a failure policy.
 *
 * The run's state lives in the store, not in any process: every instance looks at running runs
 * (on each change it makes and every `tickMs`) and takes pending hosts for itself within the
 * window, each decision made with the run locked. So a run goes on when the instance that
 * started it dies, and in a cluster its hosts run on every instance.
 */
export class RunService {
  private readonly changes = new Map<string, Set<() => void>>();
  private readonly kicking = new Map<string, { again: boolean }>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Executions whose end the runner's hook is recording now. */
  private readonly ending = new Set<string>();
  private timer: TimerHandle | undefined;
  private closing = false;
  private instances = 1;

  constructor(private readonly deps: RunServiceDeps) {
    deps.executions.onEnd((execution, outcome) => {
      if (execution.run === undefined) return;
      this.track(this.hostEnded(execution, outcome));
    });
  }

  /** Starts looking after running runs: hosts to start, hosts whose instance died. */
  startScheduling(): void {
    const tick = (): void => {
      this.timer = this.deps.clock.setTimeout(() => {
        this.track(
          this.tick()
            .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'run tick failed'))
            .finally(() => {
              if (!this.closing) tick();
            }),
        );
      }, this.deps.tickMs);
    };
    tick();
  }

  /** Stops starting hosts; hosts already running end as executions do. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.timer?.cancel();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** The targets a run would reach, and whether the caller may run the command on each. */
  preview(user: AuthUser, request: RunTargets & { readonly command?: string }): PreviewTarget[] {
    return this.resolve(request).map((target) => {
      const base = { id: target.id, label: target.label ?? target.id, labels: target.labels ?? {} };
      if (request.command === undefined || request.command.trim() === '') {
        const allowed = this.deps.policy.targetPermitted(user.roles, target.id);
        return {
          ...base,
          allowed,
          rule: allowed ? null : 'roles.targets',
          code: allowed ? null : 'target_not_permitted',
          reason: allowed ? null : `Your roles allow no command on ${target.id}.`,
        };
      }
      const decision = this.deps.policy.check(request.command, {
        roles: user.roles,
        target: target.id,
      });
      return decision.allowed
        ? { ...base, allowed: true, rule: decision.rule, code: null, reason: null }
        : {
            ...base,
            allowed: false,
            rule: decision.rule,
            code: decision.code,
            reason: decision.reason,
          };
    });
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
    if (this.closing) {
      throw new DomainError('unavailable', 'The server is shutting down; try again in a moment.');
    }
    const { config, limits } = this.deps;
    const targets = this.resolve(request);
    if (targets.length > config.maxTargets) {
      throw new DomainError(
        'invalid_input',
        `The run names ${targets.length} targets; runs.maxTargets allows ${config.maxTargets}.`,
      );
    }
    const concurrency = request.concurrency ?? config.defaultConcurrency;
    if (concurrency > config.maxConcurrency) {
      throw new DomainError(
        'invalid_input',
        `concurrency ${concurrency} is over runs.maxConcurrency (${config.maxConcurrency}).`,
      );
    }
    const running = await this.deps.store.active(user.username);
    if (running.length >= config.maxRunningPerUser) {
      throw new DomainError(
        'rate_limited',
        `You already have ${running.length} runs running (limit ${config.maxRunningPerUser}). ` +
          'Wait for one to end or cancel it.',
      );
    }
    const run: RunRecord = {
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
      retryOf: retryOf ?? null,
      source: request.source,
      createdAt: this.deps.clock.now(),
      finishedAt: null,
      version: 1,
      total: targets.length,
    };
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
      { runId: run.id, user: user.username, targets: run.total, concurrency },
      'run started',
    );
    this.kick(run.id);
    return { runId: run.id };
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
      groups: await this.groups(hosts),
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
    const reason = `Cancelled by ${user.username}.`;
    const outcome = await this.deps.store.transact(id, async (tx) => {
      if (tx.run.status !== 'running') return { running: [] as string[], status: tx.run.status };
      if (tx.run.stop !== 'cancel') {
        await tx.updateRun({ stop: 'cancel', stopReason: reason });
        await tx.updateHosts('pending', { status: 'skipped', finishedAt: this.deps.clock.now() });
      }
      const running = (await tx.hostsWith('running')).flatMap((h) =>
        h.executionId === null ? [] : [h.executionId],
      );
      await this.finishIfDone(tx, 'cancel');
      return { running, status: 'running' as const };
    });
    if (outcome === undefined) throw notFound(id);
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
    await this.deps.executions.stop(outcome.running);
    this.changed(id);
    return { cancelled: true, status: outcome.status };
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

  /**
   * The run's progress: first every host changed after `afterSeq` (all of them from 0), then
   * each change as it happens, batched; then one `end`. Each host arrives in its latest state,
   * so a watcher that resumes after the last `seq` it saw misses no change and sees none twice.
   */
  async *watch(
    user: AuthUser,
    id: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<RunProgressEvent, void, undefined> {
    await this.viewable(user, id);
    let seq = afterSeq;
    while (!signal.aborted) {
      // Listening before reading: a change made meanwhile wakes the next round.
      const woken = this.nextChange(id, signal);
      try {
        const run = await this.deps.store.get(id);
        if (run === undefined) throw notFound(id);
        const hosts = await this.deps.store.hosts(id, { afterVersion: seq });
        const summary = (): Promise<RunSummary> =>
          this.deps.store.counts(id).then((counts) => summarize(counts, run.total));
        if (hosts.length > 0) {
          seq = Math.max(seq, ...hosts.map((h) => h.version));
          yield { type: 'hosts', seq, status: run.status, hosts, summary: await summary() };
        }
        if (run.status !== 'running') {
          // An ended run changes no more: every host has been sent. The end numbers one past
          // the last change.
          yield {
            type: 'end',
            seq: run.version + 1,
            status: run.status,
            stopReason: run.stopReason,
            summary: await summary(),
          };
          return;
        }
        await woken.promise;
      } finally {
        woken.cancel();
      }
    }
  }

  /** Ids, selector or both, resolved to configured targets in config order. */
  private resolve(request: RunTargets): Target[] {
    const ids = request.targets ?? [];
    if (ids.length === 0 && request.selector === undefined) {
      throw new DomainError(
        'invalid_input',
        'Name the targets: give targets, a selector, or both.',
      );
    }
    const known = new Map(this.deps.targets.map((t) => [t.id, t]));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new DomainError(
        'not_found',
        `Unknown target${unknown.length === 1 ? '' : 's'}: ${foldHosts(unknown)}.`,
      );
    }
    const chosen = new Set(ids);
    if (request.selector !== undefined) {
      const selector = parseSelector(request.selector);
      for (const target of this.deps.targets) if (selector.matches(target)) chosen.add(target.id);
      if (chosen.size === 0) {
        throw new DomainError(
          'invalid_input',
          `The selector ${JSON.stringify(request.selector)} matches no target.`,
        );
      }
    }
    return this.deps.targets.filter((t) => chosen.has(t.id));
  }

  private async viewable(user: AuthUser, id: string): Promise<RunRecord> {
    const run = await this.deps.store.get(id);
    if (run === undefined || !mayView(user, run)) throw notFound(id);
    return run;
  }

  /** Hosts that ended alike, largest group first; each with its first host's output. */
  private async groups(hosts: readonly RunHost[]): Promise<RunGroup[]> {
    const byKey = new Map<string, RunHost[]>();
    for (const host of hosts) {
      if (host.status === 'pending' || host.status === 'running') continue;
      // The failure's code too: a refused connection and a changed host key are not alike.
      const key = [host.status, host.exitCode, host.outputSha256, host.error?.code].join('\u0000');
      const list = byKey.get(key) ?? [];
      list.push(host);
      byKey.set(key, list);
    }
    const groups = [...byKey.values()].sort((a, b) => b.length - a.length);
    return Promise.all(
      groups.map(async (members) => {
        const first = members[0] as RunHost;
        const sample = await this.hostOutput(first, GROUP_SAMPLE_BYTES);
        return {
          targets: members.map((h) => h.target),
          label: foldHosts(members.map((h) => h.target)),
          status: first.status,
          exitCode: first.exitCode,
          outputSha256: first.outputSha256,
          errorCode: first.error?.code ?? null,
          sample: sample.text,
          sampleTruncated: sample.cut,
          sampleTarget: first.target,
        };
      }),
    );
  }

  /**
   * A host's output as text (stdout and stderr as they came), its first `maxBytes`; `cut` when
   * there is more. For callers that have the run from {@link byId}.
   */
  async hostOutput(host: RunHost, maxBytes: number): Promise<{ text: string; cut: boolean }> {
    if (host.executionId === null || host.outputBytes === 0) return { text: '', cut: false };
    const parts: Buffer[] = [];
    let kept = 0;
    for (let from = 1; kept < maxBytes;) {
      const chunks = await this.deps.log.readOutput(host.executionId, from, maxBytes - kept);
      if (chunks.length === 0) break;
      for (const chunk of chunks) {
        const data = chunk.data.subarray(0, maxBytes - kept);
        parts.push(data);
        kept += data.length;
      }
      from = (chunks.at(-1)?.seq ?? from) + 1;
    }
    return { text: new TextDecoder().decode(Buffer.concat(parts)), cut: host.outputBytes > kept };
  }

  /** Resolves at the run's next change on this instance, or after a tick for other instances'. */
  private nextChange(id: string, signal: AbortSignal): { promise: Promise<void>; cancel(): void } {
    let done = (): void => undefined;
    const promise = new Promise<void>((resolve) => {
      done = resolve;
    });
    const listeners = this.changes.get(id) ?? new Set();
    this.changes.set(id, listeners);
    listeners.add(done);
    const timer = this.deps.clock.setTimeout(done, this.deps.tickMs);
    const onAbort = (): void => done();
    signal.addEventListener('abort', onAbort, { once: true });
    return {
      promise,
      cancel: () => {
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        listeners.delete(done);
        if (listeners.size === 0) this.changes.delete(id);
      },
    };
  }

  private changed(id: string): void {
    for (const listener of this.changes.get(id) ?? []) listener();
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Takes and starts this instance's share of the run's free window; again if asked meanwhile. */
  private kick(id: string): void {
    if (this.closing) return;
    const busy = this.kicking.get(id);
    if (busy !== undefined) {
      busy.again = true;
      return;
    }
    const state = { again: false };
    this.kicking.set(id, state);
    this.track(
      (async () => {
        try {
          do {
            state.again = false;
            await this.startHosts(id);
          } while (state.again && !this.closing);
        } catch (error) {
          this.deps.logger.warn({ err: error, runId: id }, 'could not start hosts of a run');
        } finally {
          this.kicking.delete(id);
        }
      })(),
    );
  }

  private async startHosts(id: string): Promise<void> {
    const { instanceId, clock } = this.deps;
    const claimed = await this.deps.store.transact(id, async (tx) => {
      const { run } = tx;
      if (run.status !== 'running' || run.stop !== null) return undefined;
      const counts = await tx.counts();
      const running = counts.running ?? 0;
      const share = Math.ceil(run.options.concurrency / Math.max(1, this.instances));
      const mine = await tx.runningOn(instanceId);
      const room = Math.min(run.options.concurrency - running, share - mine);
      if (room <= 0) return undefined;
      const before = startableBefore(run.total, run.options.batches, await tx.firstUnfinished());
      const hosts = await tx.pendingBefore(before, room);
      if (hosts.length === 0) return undefined;
      await tx.updateHosts(
        hosts.map((h) => h.position),
        { status: 'running', instance: instanceId, startedAt: clock.now() },
      );
      return { run, hosts };
    });
    if (claimed === undefined) return;
    this.changed(id);
    await Promise.all(claimed.hosts.map((host) => this.startHost(claimed.run, host)));
  }

  /** Admits and starts one host's execution; a refusal or a failure to start ends the host. */
  private async startHost(run: RunRecord, host: RunHost): Promise<void> {
    const owner: AuthUser = {
      username: run.username,
      roles: run.roles,
      viewAll: false,
      cancelAll: false,
      expiresAt: Number.MAX_SAFE_INTEGER,
    };
    try {
      const { executionId } = await this.deps.executions.execute(owner, {
        target: host.target,
        command: run.command,
        source: run.source,
        run: { id: run.id, position: host.position },
        timeoutMs: run.options.hostTimeoutMs,
      });
      await this.deps.store.transact(run.id, (tx) =>
        tx.updateHosts([host.position], { executionId }),
      );
      this.changed(run.id);
    } catch (error) {
      const now = this.deps.clock.now();
      if (error instanceof CommandRefusedError) {
        await this.endHost(run.id, host.position, {
          status: 'refused',
          executionId: error.executionId,
          error: { code: error.refusal.code, message: error.refusal.reason },
          finishedAt: now,
          outputSha256: EMPTY_SHA256,
        });
        return;
      }
      if (isDomainError(error) && error.code === 'unavailable') {
        // Shutting down, or storage away for a moment: the host waits for the next try (a
        // tick here, or another instance), it has not failed.
        await this.deps.store.transact(run.id, async (tx) => {
          const running = await tx.hostsWith('running');
          if (!running.some((h) => h.position === host.position)) return;
          await tx.updateHosts([host.position], {
            status: 'pending',
            instance: null,
            startedAt: null,
          });
        });
        this.changed(run.id);
        return;
      }
      const message = isDomainError(error) ? error.message : 'The command could not be started.';
      this.deps.logger.warn(
        { err: error, runId: run.id, target: host.target },
        'run host failed to start',
      );
      await this.endHost(run.id, host.position, {
        status: 'failed',
        error: { code: isDomainError(error) ? error.code : 'internal', message },
        finishedAt: now,
        outputSha256: EMPTY_SHA256,
      });
    }
  }

  /** A host's execution ended on this instance: its digest, its end, and what follows. */
  private async hostEnded(execution: AdmittedExecution, outcome: ExecutionOutcome): Promise<void> {
    const ref = execution.run;
    if (ref === undefined) return;
    this.ending.add(execution.id);
    try {
      await this.recordEnd(ref, execution.id, outcome);
    } finally {
      this.ending.delete(execution.id);
    }
  }

  private async recordEnd(
    ref: { readonly id: string; readonly position: number },
    executionId: string,
    outcome: ExecutionOutcome,
  ): Promise<void> {
    let digest: string | null = null;
    try {
      digest = await this.digest(executionId);
    } catch (error) {
      this.deps.logger.warn({ err: error, executionId: executionId }, 'could not digest output');
    }
    await this.endHost(ref.id, ref.position, {
      status: hostStatusOf(outcome.status, outcome.exitCode),
      executionId: executionId,
      executionStatus: outcome.status,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      execTime: outcome.durationMs,
      error:
        outcome.errorCode === null && outcome.error === null
          ? null
          : { code: outcome.errorCode ?? 'unknown', message: outcome.error ?? '' },
      outputBytes: outcome.outputBytes,
      outputSha256: digest,
      finishedAt: outcome.finishedAt,
    });
  }

  /**
   * The digest hosts are grouped by: SHA-256 over the SHA-256 of stdout and that of stderr, so
   * that hosts printing the same on each stream group together however the two interleaved.
   */
  private async digest(executionId: string): Promise<string> {
    const streams = { stdout: createHash('sha256'), stderr: createHash('sha256') };
    for (let from = 1; ;) {
      const chunks = await this.deps.log.readOutput(executionId, from, 4 * 1024 * 1024);
      if (chunks.length === 0) break;
      for (const chunk of chunks) streams[chunk.stream].update(chunk.data);
      from = (chunks[chunks.length - 1]?.seq ?? from) + 1;
    }
    return digestOf(streams.stdout.digest('hex'), streams.stderr.digest('hex'));
  }

  /**
   * Records a host's end, then applies the failure policy and ends the run when nothing is
   * left; cancels what the policy says to, and starts what the window now allows.
   */
  private async endHost(
    runId: string,
    position: number,
    end: Parameters<RunTransaction['updateHosts']>[1],
  ): Promise<void> {
    const cancel = await this.deps.store.transact(runId, async (tx) => {
      // Ended once: the runner's hook and a tick may both see the same end.
      const running = await tx.hostsWith('running');
      if (!running.some((h) => h.position === position)) return [];
      await tx.updateHosts([position], end);
      const { run } = tx;
      let toCancel: string[] = [];
      if (run.stop === null) {
        const counts = await tx.counts();
        const reason = failureStop(run.options, counts.failed ?? 0, run.total);
        if (reason !== null && (counts.pending ?? 0) + (counts.running ?? 0) > 0) {
          await tx.updateRun({ stop: 'failures', stopReason: reason });
          await tx.updateHosts('pending', { status: 'skipped', finishedAt: this.deps.clock.now() });
          if (run.options.onFailure === 'cancel') {
            toCancel = (await tx.hostsWith('running')).flatMap((h) =>
              h.executionId === null ? [] : [h.executionId],
            );
          }
          await this.finishIfDone(tx, 'failures');
          return toCancel;
        }
      }
      await this.finishIfDone(tx, run.stop);
      return toCancel;
    });
    this.changed(runId);
    if (cancel !== undefined && cancel.length > 0) await this.deps.executions.stop(cancel);
    this.kick(runId);
  }

  /** Ends the run once no host is pending or running. */
  private async finishIfDone(tx: RunTransaction, stop: RunRecord['stop']): Promise<void> {
    const counts = await tx.counts();
    if ((counts.pending ?? 0) + (counts.running ?? 0) > 0) return;
    const summary = summarize(counts, tx.run.total);
    const status = finalStatus(summary, stop);
    await tx.updateRun({ status, finishedAt: this.deps.clock.now() });
    this.deps.logger.info({ runId: tx.run.id, status, ...summary }, 'run ended');
  }

  /**
   * Every tick: say this instance is alive (the window's share depends on how many are), end
   * hosts whose execution ended elsewhere unseen (its instance died), start what fits.
   */
  private async tick(): Promise<void> {
    const { coordination, instanceId, store, clock } = this.deps;
    this.instances = await coordination.announce(instanceId, this.deps.tickMs * 4);
    for (const run of await store.active()) {
      for (const host of await store.hosts(run.id, { status: 'running' })) {
        if (host.executionId === null) {
          if (host.startedAt !== null && clock.now() - host.startedAt > ORPHAN_CLAIM_MS) {
            await this.endHost(run.id, host.position, {
              status: 'failed',
              error: { code: 'interrupted', message: 'The server starting it stopped.' },
              finishedAt: clock.now(),
            });
          }
          continue;
        }
        const id = host.executionId;
        // Running here, or its end being recorded by the runner's hook: nothing to reconcile.
        if (this.deps.executions.runsHere(id) || this.ending.has(id)) continue;
        const record = await this.deps.executions.record(id);
        if (record === undefined || record.status === 'running') continue;
        // Its instance is gone (recovery marked it interrupted) or missed the hook: end it here.
        await this.endHost(run.id, host.position, {
          status: hostStatusOf(record.status, record.exitCode),
          executionStatus: record.status,
          exitCode: record.exitCode,
          signal: record.signal,
          execTime: record.durationMs,
          error:
            record.errorCode === null && record.error === null
              ? null
              : { code: record.errorCode ?? 'unknown', message: record.error ?? '' },
          outputBytes: record.outputBytes,
          outputSha256: await this.digest(id).catch(() => null),
          finishedAt: record.finishedAt ?? clock.now(),
        });
      }
      this.kick(run.id);
    }
  }
}

function digestOf(stdout: string, stderr: string): string {
  return createHash('sha256').update(`stdout ${stdout}\nstderr ${stderr}\n`).digest('hex');
}

/** The digest of no output. */
const NOTHING = createHash('sha256').digest('hex');
const EMPTY_SHA256 = digestOf(NOTHING, NOTHING);

function notFound(id: string): DomainError {
  return new DomainError('not_found', `No run ${id}.`);
}

export type { HostStatus, RunSummary };
