import type { Clock, ExecEvent, Executor, OutputStreamName, TimerHandle } from '@ogent/executor';
import type { LimitsConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Control } from '../ports/control.js';
import type { Coordination } from '../ports/coordination.js';
import type { LiveBus } from '../ports/live-bus.js';
import type { OutputLog } from '../ports/output-log.js';
import type { ExecutionRecords } from '../ports/records.js';
import type { AdmittedExecution } from './admission.js';
import { auditEntry } from '../domain/audit-chain.js';
import type { AuditTrail } from '../audit/trail.js';
import type { OutputIndexer } from '../search/indexer.js';
import type { Quotas } from './quotas.js';
import { endMessage } from './messages.js';
import { LineCounter } from './line-count.js';
import type { ExecutionLifecycle } from './lifecycle.js';
import { executionOutcome } from './outcome.js';
import { OutputDigest } from './output-digest.js';
import type { ExecutionOutcome } from '../domain/execution.js';
import { OutputWriter, type OutputWriterOptions, WRITER_DEFAULTS } from './writer.js';

/**
 * How long an owner lease (and the user's running slot) lasts without renewal; renewed at a
 * third of it. An instance that dies loses its executions within about twice this.
 */
export const LEASE_TTL_MS = 8_000;

interface Running {
  readonly execution: AdmittedExecution;
  readonly controller: AbortController;
  lastSeq: number;
  outputBytes: number;
  readonly lines: LineCounter;
  readonly digest: OutputDigest;
  /** Set when the server is shutting down, so the end status is `interrupted`. */
  interruptedByShutdown: boolean;
}

export interface RunnerDeps {
  readonly executor: Pick<Executor, 'execute'>;
  readonly records: ExecutionRecords;
  readonly log: OutputLog;
  readonly bus: LiveBus;
  readonly control: Control;
  readonly coordination: Coordination;
  readonly limits: LimitsConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** This instance, as named in owner leases. */
  readonly instanceId: string;
  readonly leaseTtlMs: number;
  readonly writer?: OutputWriterOptions;
  /** The audit trail: each execution's end is an event. */
  readonly audit?: AuditTrail;
  /** Per-user quotas: each execution's output counts toward its user's. */
  readonly quotas?: Quotas;
  /** Output search: each execution's output is indexed once it has ended. */
  readonly search?: Pick<OutputIndexer, 'indexExecution' | 'outputBytes'>;
  /** Where each execution's start and end are published. */
  readonly lifecycle: ExecutionLifecycle;
}

/**
 * Runs admitted executions: numbers their output, publishes it on the live bus at once, stores it
 * in batches through the writer, records the end, and gives the user's running slot back. An
 * execution runs whether anybody watches or not. While it runs, this instance holds its owner
 * lease and answers cancels for it through the control.
 */
export class Runner {
  private readonly running = new Map<string, Running>();
  private readonly loops = new Set<Promise<void>>();
  private readonly writer: OutputWriter;

  constructor(private readonly deps: RunnerDeps) {
    this.writer = new OutputWriter(
      deps.log,
      deps.logger,
      (chunks) => {
        const highest = new Map<string, number>();
        for (const c of chunks)
          highest.set(c.executionId, Math.max(highest.get(c.executionId) ?? 0, c.seq));
        for (const [id, seq] of highest) deps.bus.stored(id, seq);
      },
      deps.writer ?? WRITER_DEFAULTS,
      deps.clock,
    );
  }

  /** Executions running on this instance. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Whether this execution runs on this instance. */
  runs(id: string): boolean {
    return this.running.has(id);
  }

  /**
   * Opens the execution's live stream and takes its owner lease, then runs it in the background.
   * Resolves once watchers can follow it.
   */
  async start(execution: AdmittedExecution): Promise<void> {
    const state: Running = {
      execution,
      controller: new AbortController(),
      lastSeq: 0,
      outputBytes: 0,
      lines: new LineCounter(),
      digest: new OutputDigest(),
      interruptedByShutdown: false,
    };
    try {
      await this.deps.coordination.claim(execution.id, this.deps.instanceId, this.deps.leaseTtlMs);
    } catch (error) {
      // Nobody can know this instance runs it: it does not run. Its record says so.
      await this.deps.records.finish(
        execution.id,
        executionOutcome({
          status: 'failed',
          finishedAt: this.deps.clock.now(),
          error: {
            code: 'unavailable',
            message: 'The command could not be started: coordination is unreachable.',
          },
        }),
      );
      await this.deps.coordination
        .releaseSlot(execution.username, execution.id)
        .catch(() => undefined);
      throw error;
    }
    this.running.set(execution.id, state);
    this.deps.bus.open(execution.id);
    const unregister = this.deps.control.register(execution.id, () => state.controller.abort());
    const loop = this.run(state)
      .finally(unregister)
      .finally(() => this.loops.delete(loop));
    this.loops.add(loop);
    this.deps.lifecycle.publish({ type: 'started', execution, at: this.deps.clock.now() });
  }

  /** Stops every running execution, records them as interrupted, and stores all output. */
  async shutdown(): Promise<void> {
    while (this.loops.size > 0) {
      for (const state of this.running.values()) {
        state.interruptedByShutdown = true;
        state.controller.abort();
      }
      await Promise.allSettled([...this.loops]);
    }
    await this.writer.flush();
  }

  /** Tries `write` until it succeeds or the writer's retry time has passed. */
  private async retrying(write: () => Promise<void>): Promise<void> {
    const { clock } = this.deps;
    const giveUpAt = clock.now() + (this.deps.writer ?? WRITER_DEFAULTS).retryForMs;
    for (let delay = 200; ; delay = Math.min(2_000, delay * 2)) {
      try {
        await write();
        return;
      } catch (error) {
        if (clock.now() >= giveUpAt) throw error;
        await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      }
    }
  }

  /** How the execution ended: as the executor said, or interrupted by shutdown, or broken. */
  private outcomeOf(
    state: Running,
    exit: Extract<ExecEvent, { type: 'exit' }> | undefined,
  ): ExecutionOutcome {
    const unexpected = exit === undefined && !state.interruptedByShutdown;
    return executionOutcome({
      status: state.interruptedByShutdown ? 'interrupted' : (exit?.status ?? 'failed'),
      finishedAt: this.deps.clock.now(),
      exitCode: exit?.exitCode ?? null,
      signal: exit?.signal ?? null,
      error:
        exit?.error ??
        (unexpected ? { code: 'internal', message: 'The execution failed unexpectedly.' } : null),
      durationMs: exit?.durationMs ?? 0,
      outputBytes: state.outputBytes,
      outputLines: state.lines.lines,
      lastSeq: state.lastSeq,
      truncated: exit?.truncated ?? false,
    });
  }

  private async run(state: Running): Promise<void> {
    const { execution } = state;
    const { bus, clock, coordination, instanceId, leaseTtlMs } = this.deps;
    let lease: TimerHandle | undefined;
    const renew = (): void => {
      lease = clock.setTimeout(() => {
        // A failed renewal (Redis away for a moment) is retried at the next tick; the lease
        // outlives three of them.
        coordination
          .claim(execution.id, instanceId, leaseTtlMs)
          .then(() => coordination.renewSlot(execution.username, execution.id, leaseTtlMs))
          .catch(() => undefined);
        renew();
      }, leaseTtlMs / 3);
    };
    renew();

    const add = (stream: OutputStreamName, data: Buffer): void => {
      if (data.length === 0) return;
      // One clock reading per delivered piece (the executor merges what queued meanwhile): the
      // time recordings replay and the console shows beside each line.
      const chunk = { seq: state.lastSeq + 1, stream, data, at: clock.now() };
      state.lastSeq = chunk.seq;
      state.outputBytes += data.length;
      state.lines.add(stream, data);
      state.digest.add(stream, data);
      bus.publish(execution.id, chunk);
      this.writer.add({ executionId: execution.id, ...chunk });
    };

    let exit: Extract<ExecEvent, { type: 'exit' }> | undefined;
    try {
      const events = this.deps.executor.execute(execution.target, execution.decision.argv, {
        signal: state.controller.signal,
        timeoutMs: Math.min(
          execution.timeoutMs ?? this.deps.limits.timeoutMs,
          this.deps.limits.timeoutMs,
        ),
        maxOutputBytes: this.deps.limits.maxOutputBytes,
        paths: execution.decision.paths,
        clock,
      });
      for await (const event of events) {
        if (event.type === 'exit') {
          exit = event;
          break;
        }
        add(event.stream, event.data);
        // Checked first so that the common case costs no promise per chunk.
        if (!this.writer.hasRoom) await this.writer.waitForRoom();
      }
    } catch (error) {
      this.deps.logger.error({ err: error, executionId: execution.id }, 'execution loop failed');
    }

    const outcome = this.outcomeOf(state, exit);
    const { status } = outcome;
    try {
      await this.writer.flush();
      await this.deps.log.complete(execution.id);
      // The database may be away for a moment: the end is retried while the lease is held.
      await this.retrying(() => this.deps.records.finish(execution.id, outcome));
    } catch (error) {
      this.deps.logger.error(
        { err: error, executionId: execution.id },
        'failed to record the end of an execution',
      );
    }
    await this.deps.quotas
      ?.addOutput(execution.username, outcome.outputBytes)
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, executionId: execution.id }, 'could not count output'),
      );
    this.deps.audit?.note(
      auditEntry({
        type: 'execution.end',
        at: outcome.finishedAt,
        actor: execution.username,
        address: null,
        subject: execution.id,
        data: {
          status,
          exitCode: outcome.exitCode,
          signal: outcome.signal,
          errorCode: outcome.errorCode,
          durationMs: outcome.durationMs,
          outputBytes: outcome.outputBytes,
        },
      }),
    );
    this.deps.logger.info(
      {
        executionId: execution.id,
        user: execution.username,
        target: execution.target,
        status,
        exitCode: outcome.exitCode,
        durationMs: outcome.durationMs,
        outputBytes: outcome.outputBytes,
      },
      'execution finished',
    );
    lease?.cancel();
    // The end reaches live watchers after every chunk; then the stream goes, and later watchers
    // read the record and the log, which are complete by now.
    bus.end(execution.id, endMessage(outcome));
    bus.close(execution.id);
    this.running.delete(execution.id);
    await Promise.allSettled([
      coordination.release(execution.id, instanceId),
      coordination.releaseSlot(execution.username, execution.id),
    ]);
    this.deps.lifecycle.publish({
      type: 'ended',
      execution,
      outcome,
      outputLines: state.lines.lines,
      outputSha256: state.digest.digest(),
    });
    // Off the end's path: the output is all stored by now, and nobody waits for the index.
    await this.deps.search?.indexExecution(execution.id);
  }
}
