import type { ExecutionState } from '../domain/execution.js';
import type { BatchSize, HostStatus, RunOptions, RunStatus, RunSummary } from '../domain/run.js';

/**
 * The run's pure rules: batches, the failure policy, how a host's execution reads as a host
 * status, the run's final status. The service and the stores apply them.
 */

/** Where each batch ends (exclusive positions), for `total` hosts. The last size repeats. */
export function batchEnds(total: number, batches: readonly BatchSize[]): number[] {
  if (batches.length === 0 || total === 0) return [total];
  const size = (batch: BatchSize): number =>
    typeof batch === 'number'
      ? batch
      : Math.max(1, Math.ceil((total * Number(batch.slice(0, -1))) / 100));
  const ends: number[] = [];
  let end = 0;
  for (let i = 0; end < total; i += 1) {
    end = Math.min(total, end + size(batches[Math.min(i, batches.length - 1)] ?? total));
    ends.push(end);
  }
  return ends;
}

/**
 * Hosts before this position may start: the end of the batch holding the first host that has
 * not ended (every earlier batch has ended).
 */
export function startableBefore(
  total: number,
  batches: readonly BatchSize[],
  firstUnfinished: number | null,
): number {
  if (firstUnfinished === null) return total;
  return batchEnds(total, batches).find((end) => end > firstUnfinished) ?? total;
}

/** Whether the failures so far stop the run, and the reason to record. */
export function failureStop(
  options: Pick<RunOptions, 'maxFailures' | 'maxFailurePercent'>,
  failed: number,
  total: number,
): string | null {
  if (options.maxFailures !== null && failed >= options.maxFailures) {
    return `Stopped after ${failed} failed host${failed === 1 ? '' : 's'} (maxFailures ${options.maxFailures}).`;
  }
  if (options.maxFailurePercent !== null && total > 0) {
    const percent = (failed * 100) / total;
    if (failed > 0 && percent >= options.maxFailurePercent) {
      return `Stopped after ${failed} of ${total} hosts failed (maxFailurePercent ${options.maxFailurePercent}).`;
    }
  }
  return null;
}

/** How a host's ended execution reads in the run. */
export function hostStatusOf(
  status: Exclude<ExecutionState, 'running'>,
  exitCode: number | null,
): HostStatus {
  switch (status) {
    case 'completed':
      return exitCode === 0 ? 'succeeded' : 'failed';
    case 'refused':
      return 'refused';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
    case 'timed_out':
    case 'truncated':
    case 'interrupted':
      return 'failed';
  }
}

/** Counts by status, every status present. */
export function summarize(counts: Partial<Record<HostStatus, number>>, total: number): RunSummary {
  return {
    total,
    pending: counts.pending ?? 0,
    running: counts.running ?? 0,
    succeeded: counts.succeeded ?? 0,
    failed: counts.failed ?? 0,
    refused: counts.refused ?? 0,
    cancelled: counts.cancelled ?? 0,
    skipped: counts.skipped ?? 0,
  };
}

/** The status of a run whose hosts have all ended. */
export function finalStatus(
  summary: RunSummary,
  stop: 'cancel' | 'failures' | null,
): Exclude<RunStatus, 'running'> {
  if (stop === 'cancel') return 'cancelled';
  if (stop === 'failures') return 'stopped';
  return summary.succeeded === summary.total ? 'succeeded' : 'failed';
}
