import type { HostStatus, RunHost } from './types';

export type HostSortKey = 'status' | 'target' | 'exitCode' | 'duration';

export interface HostSort {
  readonly key: HostSortKey;
  readonly descending: boolean;
}

/** Failures first: what needs a look comes before what went well or has not happened yet. */
export const DEFAULT_HOST_SORT: HostSort = { key: 'status', descending: false };

const STATUS_RANK: Readonly<Record<HostStatus, number>> = {
  failed: 0,
  refused: 1,
  cancelled: 2,
  skipped: 3,
  running: 4,
  pending: 5,
  succeeded: 6,
};

/** web-2 before web-10, as people number their hosts. */
const names = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Null last whichever the direction: a host with no exit code yet has nothing to compare. */
function compareNullable(a: number | null, b: number | null, descending: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return descending ? b - a : a - b;
}

/** The comparison of two hosts for a sort; ties keep the run's order. */
export function compareHosts(sort: HostSort): (a: RunHost, b: RunHost) => number {
  const sign = sort.descending ? -1 : 1;
  return (a, b) => {
    let order: number;
    switch (sort.key) {
      case 'status':
        order = sign * (STATUS_RANK[a.status] - STATUS_RANK[b.status]);
        break;
      case 'target':
        order = sign * names.compare(a.target, b.target);
        break;
      case 'exitCode':
        order = compareNullable(a.exitCode, b.exitCode, sort.descending);
        break;
      case 'duration':
        order = compareNullable(a.execTime, b.execTime, sort.descending);
        break;
    }
    return order !== 0 ? order : a.position - b.position;
  };
}

/** A click on a column: that column ascending, or the other way round if it was already it. */
export function nextSort(current: HostSort, key: HostSortKey): HostSort {
  return current.key === key
    ? { key, descending: !current.descending }
    : { key, descending: key === 'duration' };
}
