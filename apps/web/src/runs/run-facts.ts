import { type HostSort, compareHosts } from './host-order';
import { RUN_STATUS_LABELS, retryableCount } from './host-status';
import type { HostStatus, RunGroup, RunHost, RunStatus, RunSummary, RunView } from './types';

/** What the live progress knows, when it knows it (null before its first event). */
export interface ProgressFacts {
  readonly summary: RunSummary | null;
  readonly status: RunStatus | null;
  readonly stopReason: string | null;
}

/** What the run view says about a run, from its live progress and its record. */
export interface RunFacts {
  readonly summary: RunSummary | null;
  readonly status: RunStatus | null;
  readonly running: boolean;
  readonly stopReason: string | null;
  /** Time since the start, to the end once it has ended. */
  readonly elapsed: number | null;
  /** Hosts that failed, were cancelled or skipped: what a retry would run again. */
  readonly retryable: number;
  /** Said to screen readers once the run has ended. */
  readonly announcement: string;
}

/** The live progress wins over the record, which is refreshed only now and then. */
export function runFacts(
  progress: ProgressFacts,
  info: RunView | undefined,
  now: number,
): RunFacts {
  const summary = progress.summary ?? info?.summary ?? null;
  const status = progress.status ?? info?.status ?? null;
  return {
    summary,
    status,
    running: status === 'running',
    stopReason: progress.stopReason ?? info?.stopReason ?? null,
    elapsed: info === undefined ? null : Math.max(0, (info.finishedAt ?? now) - info.createdAt),
    retryable: summary === null ? 0 : retryableCount(summary),
    announcement:
      status !== null && status !== 'running' && summary !== null
        ? `Run ${RUN_STATUS_LABELS[status].toLowerCase()}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.refused} refused.`
        : '',
  };
}

/**
 * The hosts for the grid: the live ones once progress has reported, else the record's; only
 * those in `filter`'s state when one is picked; in the order chosen.
 */
export function gridHosts(
  live: ReadonlyMap<string, RunHost>,
  recorded: readonly RunHost[],
  filter: HostStatus | null,
  sort: HostSort,
): RunHost[] {
  const all = live.size > 0 ? [...live.values()] : [...recorded];
  return (filter === null ? all : all.filter((h) => h.status === filter)).sort(compareHosts(sort));
}

/** Each target's group of identical results. */
export function groupsByTarget(groups: readonly RunGroup[]): Map<string, RunGroup> {
  const map = new Map<string, RunGroup>();
  for (const group of groups) for (const target of group.targets) map.set(target, group);
  return map;
}
