/** A list of entries in ascending row order: one output stream's rows in a span of them. */
interface RowSorted {
  readonly rows: ArrayLike<number>;
}

/**
 * Visits the entries of several lists, each in ascending row order, in row order across them
 * all: stdout's and stderr's rows interleave, and each list holds one stream's.
 */
export function forEachInRowOrder<T extends RowSorted>(
  lists: readonly T[],
  visit: (list: T, entry: number, row: number) => void,
): void {
  const next = lists.map(() => 0);
  for (;;) {
    let pick = -1;
    let pickRow = Infinity;
    lists.forEach((list, i) => {
      const row = list.rows[next[i] ?? 0];
      if (row !== undefined && row < pickRow) {
        pick = i;
        pickRow = row;
      }
    });
    const list = lists[pick];
    if (list === undefined) return;
    const entry = next[pick] ?? 0;
    next[pick] = entry + 1;
    visit(list, entry, pickRow);
  }
}
