/** What the find bar reads of a search in progress. */
export interface SearchProgress {
  /** Matches found so far. */
  readonly count: number;
  /** The whole output has been searched (so far as it has arrived). */
  readonly done: boolean;
  readonly searchedRows: number;
}

const count = new Intl.NumberFormat(undefined);

/** The find bar's status: nothing without a query, else the matches and which is current. */
export function findStatus(
  search: SearchProgress,
  active: boolean,
  currentIndex: number | null,
): string {
  if (!active) return '';
  const total = search.count;
  if (total === 0) return search.done ? 'No matches' : 'Searching…';
  return currentIndex === null
    ? `${count.format(total)} ${total === 1 ? 'match' : 'matches'}`
    : `${count.format(currentIndex + 1)} of ${count.format(total)}`;
}

/**
 * How far the search is, in percent, when it is far enough behind the output to be worth
 * showing (over 100,000 rows); null otherwise.
 */
export function searchPercent(
  search: SearchProgress,
  active: boolean,
  completedRows: number,
): number | null {
  const behind = completedRows - search.searchedRows;
  return active && behind > 100_000
    ? Math.floor((100 * search.searchedRows) / Math.max(1, completedRows))
    : null;
}

/**
 * The match Next (+1) or Previous (-1) goes to: the one after (or before) the current one,
 * wrapping around; with none current yet, the first at or after the view's top (`fromTop`, the
 * index of that match, `total` when none is there), or the one before it.
 */
export function stepMatch(
  total: number,
  currentIndex: number | null,
  fromTop: number,
  delta: 1 | -1,
): number | null {
  if (total === 0) return null;
  if (currentIndex !== null) return (currentIndex + delta + total) % total;
  return delta > 0 ? fromTop % total : (fromTop - 1 + total) % total;
}

/**
 * The match to make current once a new query has matches: the first at or after where the view
 * was (`after`, `count` when none is yet); the very first once the search is done and found none
 * after; null while it is still looking.
 */
export function firstCurrent(search: SearchProgress, after: number): number | null {
  if (after < search.count) return after;
  return search.done && search.count > 0 ? 0 : null;
}

/** How the toolbar names copied lines: `line 7`, `lines 7–9`. */
export function describeLines(from: number, to: number): string {
  return from === to
    ? `line ${count.format(from)}`
    : `lines ${count.format(from)}–${count.format(to)}`;
}
