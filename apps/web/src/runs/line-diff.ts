import { diffLines } from 'diff';

export type DiffRow =
  | { readonly kind: 'same' | 'removed' | 'added'; readonly text: string }
  /** Unchanged lines left out between changes. */
  | { readonly kind: 'skipped'; readonly count: number };

export interface LineDiff {
  readonly rows: readonly DiffRow[];
  readonly removed: number;
  readonly added: number;
}

/** Unchanged lines kept around each change. */
const CONTEXT = 3;
/**
 * Outputs compared are samples of at most a few KiB, but two of them with nothing in common cost
 * the diff the most: past this it stops, and the view says it could not compare.
 */
const TIMEOUT_MS = 150;

function linesOf(value: string): string[] {
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * A line diff from `base` to `other` (jsdiff's Myers diff), unchanged stretches cut down to the
 * lines around each change. Null when the two are too different to compare in time.
 */
export function lineDiff(base: string, other: string): LineDiff | null {
  const changes = diffLines(base, other, { timeout: TIMEOUT_MS });
  if (changes === undefined) return null;
  const rows: DiffRow[] = [];
  let removed = 0;
  let added = 0;
  changes.forEach((change, index) => {
    const lines = linesOf(change.value);
    if (change.removed) {
      removed += lines.length;
      for (const text of lines) rows.push({ kind: 'removed', text });
      return;
    }
    if (change.added) {
      added += lines.length;
      for (const text of lines) rows.push({ kind: 'added', text });
      return;
    }
    // Keep CONTEXT lines after the change before and before the change after.
    const head = index === 0 ? 0 : CONTEXT;
    const tail = index === changes.length - 1 ? 0 : CONTEXT;
    if (lines.length <= head + tail + 1) {
      for (const text of lines) rows.push({ kind: 'same', text });
      return;
    }
    for (const text of lines.slice(0, head)) rows.push({ kind: 'same', text });
    rows.push({ kind: 'skipped', count: lines.length - head - tail });
    for (const text of lines.slice(lines.length - tail)) rows.push({ kind: 'same', text });
  });
  return { rows, removed, added };
}
