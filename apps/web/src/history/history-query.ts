import type { ExecutionState } from '../api/types.js';

/** The history's filters as the user set them ('' : not filtered on). */
export interface HistoryFilterValues {
  /** Text in the command or the output. */
  readonly search: string;
  readonly target: string;
  readonly status: ExecutionState | '';
  /** Whose executions (for roles that may see everyone's). */
  readonly user: string;
}

export const NO_FILTERS: HistoryFilterValues = { search: '', target: '', status: '', user: '' };

/** What `exec.list` is asked for: a page of the filters set, without a fleet run's hosts. */
export interface HistoryQuery {
  readonly limit: number;
  readonly text: string | undefined;
  readonly target: string | undefined;
  readonly status: ExecutionState | undefined;
  readonly username: string | undefined;
  readonly excludeRuns: true;
}

/** The query for settled filters; empty ones are left out. */
export function historyQuery(filters: HistoryFilterValues, limit: number): HistoryQuery {
  return {
    limit,
    text: filters.search || undefined,
    target: filters.target || undefined,
    status: filters.status || undefined,
    username: filters.user || undefined,
    // A fleet run's hosts are listed under Runs, as one run each.
    excludeRuns: true,
  };
}

/** Whether any filter is set: an empty list then says nothing matches, not that none ran. */
export function isFiltered(query: HistoryQuery): boolean {
  return (
    query.text !== undefined ||
    query.target !== undefined ||
    query.status !== undefined ||
    query.username !== undefined
  );
}
