import type { Clock } from '@ogent/executor';
import type { ExecutionLifecycleEvent } from '../executions/lifecycle.js';
import type { ExecutionService } from '../executions/service.js';
import type { Logger } from '../logger.js';
import type { RunStore, RunTransaction } from '../ports/runs.js';
import { type HostEvent, hostChange, pendingHost, reduceHost } from './host-reducer.js';
import { failureStop, finalStatus, summarize } from './plan.js';
import {
  FINAL_HOST_STATUSES,
  type HostStatus,
  type RunHost,
  type RunRecord,
} from '../domain/run.js';

export interface HostLedgerDeps {
  readonly store: RunStore;
  readonly executions: Pick<ExecutionService, 'stop'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Tells watchers, here and on other instances, that the run changed. */
  readonly changed: (runId: string) => void;
  /** A host of the run ended: the window may have room for more. */
  readonly ended: (runId: string) => void;
}

/** Hosts pending or running. */
function unfinished(counts: Partial<Record<HostStatus, number>>): number {
  return (counts.pending ?? 0) + (counts.running ?? 0);
}

/**
 * Applies host events to the store, each with its run locked: the host's new state from
 * {@link reduceHost}, then what follows from it for the run (the failure policy, the run's end),
 * then the executions to stop. Shared by the scheduler, the reconciler and the end listener.
 */
export class HostLedger {
  /** Executions whose end is being recorded now, from their lifecycle event. */
  private readonly ending = new Set<string>();

  constructor(private readonly deps: HostLedgerDeps) {}

  /** Whether the end of this execution is being recorded from its lifecycle event. */
  isEnding(executionId: string): boolean {
    return this.ending.has(executionId);
  }

  /** A run host's execution ended on this instance: its host ends with its outcome and digest. */
  async recordEnd(event: Extract<ExecutionLifecycleEvent, { type: 'ended' }>): Promise<void> {
    const { execution } = event;
    if (execution.run === undefined) return;
    this.ending.add(execution.id);
    try {
      await this.apply(execution.run.id, execution.run.position, {
        type: 'ended',
        executionId: execution.id,
        outcome: event.outcome,
        outputSha256: event.outputSha256,
      });
    } finally {
      this.ending.delete(execution.id);
    }
  }

  /**
   * Applies one event to the host at `position`. A host that ends may stop the run (failure
   * policy) or end it (nothing left). Returns the host's status after it, or undefined when the
   * event changed nothing.
   */
  async apply(runId: string, position: number, event: HostEvent): Promise<HostStatus | undefined> {
    const result = await this.deps.store.transact(runId, async (tx) => {
      const host = await hostAt(tx, position, event);
      if (host === undefined) return undefined;
      const next = reduceHost(host, event);
      if (next === host) return undefined;
      await tx.updateHosts([position], hostChange(next));
      // Started after the run's cancel reached it: its execution is stopped at once.
      const stop =
        next.status === 'cancelled' && next.executionId !== null ? [next.executionId] : [];
      if (FINAL_HOST_STATUSES.has(next.status) && host.status === 'running') {
        stop.push(...(await this.settle(tx)));
      }
      return { status: next.status, stop, ended: FINAL_HOST_STATUSES.has(next.status) };
    });
    if (result === undefined) return undefined;
    this.deps.changed(runId);
    if (result.stop.length > 0) await this.deps.executions.stop(result.stop);
    if (result.ended) this.deps.ended(runId);
    return result.status;
  }

  /**
   * Cancels a run: hosts not started are skipped, those claimed but not started are cancelled,
   * running executions stopped. Undefined when there is no such run.
   */
  async cancel(runId: string, reason: string): Promise<RunRecord['status'] | undefined> {
    const outcome = await this.deps.store.transact(runId, async (tx) => {
      if (tx.run.status !== 'running') return { stop: [] as string[], status: tx.run.status };
      if (tx.run.stop !== 'cancel') {
        await tx.updateRun({ stop: 'cancel', stopReason: reason });
        await this.skipPending(tx);
      }
      const stop = await this.cancelRunning(tx);
      await this.finishIfDone(tx, 'cancel');
      return { stop, status: 'running' as const };
    });
    if (outcome === undefined) return undefined;
    this.deps.changed(runId);
    await this.deps.executions.stop(outcome.stop);
    return outcome.status;
  }

  /** After a host ended: applies the failure policy, ends the run once nothing is left. */
  private async settle(tx: RunTransaction): Promise<string[]> {
    const { run } = tx;
    if (run.stop === null) {
      const counts = await tx.counts();
      const reason = failureStop(run.options, counts.failed ?? 0, run.total);
      if (reason !== null && unfinished(counts) > 0) {
        await tx.updateRun({ stop: 'failures', stopReason: reason });
        await this.skipPending(tx);
        const stop = run.options.onFailure === 'cancel' ? await this.cancelRunning(tx) : [];
        await this.finishIfDone(tx, 'failures');
        return stop;
      }
    }
    await this.finishIfDone(tx, run.stop);
    return [];
  }

  /** Every pending host skipped: they are all in their first state, so one change fits all. */
  private async skipPending(tx: RunTransaction): Promise<void> {
    const skipped = reduceHost(pendingHost('', 0, 0), {
      type: 'skipped',
      at: this.deps.clock.now(),
    });
    await tx.updateHosts('pending', hostChange(skipped));
  }

  /** Hosts claimed but not started are cancelled; returns the running executions to stop. */
  private async cancelRunning(tx: RunTransaction): Promise<string[]> {
    const stop: string[] = [];
    for (const host of await tx.hostsWith('running')) {
      if (host.executionId !== null) {
        stop.push(host.executionId);
        continue;
      }
      const next = reduceHost(host, { type: 'cancelled', at: this.deps.clock.now() });
      await tx.updateHosts([host.position], hostChange(next));
    }
    return stop;
  }

  /** Ends the run once no host is pending or running. */
  private async finishIfDone(tx: RunTransaction, stop: RunRecord['stop']): Promise<void> {
    const counts = await tx.counts();
    if (unfinished(counts) > 0) return;
    const summary = summarize(counts, tx.run.total);
    const status = finalStatus(summary, stop);
    await tx.updateRun({ status, finishedAt: this.deps.clock.now() });
    this.deps.logger.info({ runId: tx.run.id, status, ...summary }, 'run ended');
  }
}

/**
 * The host an event may apply to: a running one (a started host may have been cancelled
 * meanwhile). Hosts in other states take no single-host event.
 */
async function hostAt(
  tx: RunTransaction,
  position: number,
  event: HostEvent,
): Promise<RunHost | undefined> {
  const running = (await tx.hostsWith('running')).find((h) => h.position === position);
  if (running !== undefined || event.type !== 'started') return running;
  return (await tx.hostsWith('cancelled')).find((h) => h.position === position);
}
