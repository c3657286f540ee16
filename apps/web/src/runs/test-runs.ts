import type { HostStatus, RunHost, RunSummary } from './types';

/** Hosts and counts of runs for the run view's unit tests. */

/** A host in `status`, with nothing else known of it but what `over` says. */
export function sampleHost(
  target: string,
  status: HostStatus,
  over: Partial<RunHost> = {},
): RunHost {
  return {
    target,
    position: 0,
    status,
    executionId: null,
    executionStatus: null,
    exitCode: status === 'succeeded' ? 0 : null,
    signal: null,
    execTime: null,
    error: null,
    outputBytes: 0,
    outputSha256: null,
    instance: null,
    startedAt: null,
    finishedAt: null,
    version: 1,
    ...over,
  };
}

/** A run's counts: none but `counts`, and as many hosts in all as they add up to. */
export function sampleSummary(counts: Partial<Omit<RunSummary, 'total'>>): RunSummary {
  const zero = {
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    refused: 0,
    cancelled: 0,
    skipped: 0,
  };
  const summary = { ...zero, ...counts };
  return { total: Object.values(summary).reduce((sum, n) => sum + n, 0), ...summary };
}
