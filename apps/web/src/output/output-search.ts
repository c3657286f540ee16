import { NumberList } from './number-list';
import type { OutputBuffer, RowSpan } from './output-buffer';
import { forEachInRowOrder } from './row-order';
import { plainLine } from './sgr';
import { VersionedSource } from './use-frame-version';

/** What to find: text as typed (one line), and whether case must match. */
export interface SearchQuery {
  readonly text: string;
  readonly caseSensitive: boolean;
}

/** One match: the row it is in and where it starts in the text the row shows. */
export interface Match {
  readonly row: number;
  readonly start: number;
}

/**
 * The query as a global RegExp matching it literally, or null for nothing to find. Without the
 * `u` flag, ignoring case maps each UTF-16 unit to one unit, so every match is as long as the
 * query and positions stay those of the text.
 */
export function queryPattern(query: SearchQuery): RegExp | null {
  const text = query.text.replace(/[\r\n]/g, '');
  if (text === '') return null;
  const literal = text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(literal, query.caseSensitive ? 'g' : 'gi');
}

/** Starts of the matches in `text`, left to right and not overlapping (as a browser's find). */
export function findMatches(text: string, pattern: RegExp): number[] {
  const starts: number[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) starts.push(m.index);
  return starts;
}

/**
 * Matches in the rows of one span, in order. A span without escapes or carriage returns (almost
 * all output) is searched as one string; a match may not run from one row into the next (the
 * continuation of a cut line), exactly as if each row were searched alone.
 */
function searchSpan(
  span: RowSpan,
  pattern: RegExp,
  length: number,
  found: (row: number, start: number) => void,
): void {
  const { text, rows, starts, lengths } = span;
  if (!text.includes('\x1b') && !text.includes('\r')) {
    let j = 0;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      const at = m.index;
      while (j + 1 < rows.length && (starts[j + 1] ?? 0) <= at) j += 1;
      const rowStart = starts[j] ?? 0;
      if (at + length > rowStart + (lengths[j] ?? 0)) {
        pattern.lastIndex = starts[j + 1] ?? text.length;
        continue;
      }
      found(rows[j] ?? 0, at - rowStart);
    }
    return;
  }
  for (let j = 0; j < rows.length; j += 1) {
    const start = starts[j] ?? 0;
    const shown = plainLine(text.slice(start, start + (lengths[j] ?? 0)));
    for (const at of findMatches(shown, pattern)) found(rows[j] ?? 0, at);
  }
}

/**
 * Finds a query in a whole output, not just the rows on screen: completed rows a slice at a time
 * (`step`), so a 50 MB output never blocks the page for long, and again as more arrive; the
 * incomplete last rows, which still change, are searched afresh when asked about. Matches are
 * kept in row order (4+4 bytes each), as are the rows that have any, for "matching lines only".
 */
export class OutputSearch extends VersionedSource {
  readonly pattern: RegExp | null;
  /** Characters in each match. */
  readonly length: number;
  private readonly matchRows = new NumberList();
  private readonly matchStarts = new NumberList();
  private readonly rows = new NumberList();
  private scanned = 0;
  private pending: { version: number; matches: Match[]; rows: number[] } | null = null;

  constructor(
    private readonly buffer: OutputBuffer,
    readonly query: SearchQuery,
  ) {
    super();
    this.pattern = queryPattern(query);
    this.length = query.text.replace(/[\r\n]/g, '').length;
  }

  /** Every row that has arrived is searched (more output may still come). */
  get done(): boolean {
    return this.pattern === null || this.scanned >= this.buffer.completedRows;
  }

  /** Rows searched so far. */
  get searchedRows(): number {
    return this.pattern === null ? this.buffer.rowCount : this.scanned;
  }

  /**
   * Searches up to `maxRows` more completed rows; returns whether any are left. A caller runs
   * steps for a few milliseconds at a time and lets the page draw in between.
   */
  step(maxRows: number): boolean {
    const pattern = this.pattern;
    const end = Math.min(this.buffer.completedRows, this.scanned + maxRows);
    if (pattern === null || end <= this.scanned) return false;
    const spans = this.buffer.rowSpans(this.scanned, end);
    const found = spans.map(() => ({ rows: [] as number[], starts: [] as number[] }));
    spans.forEach((span, i) => {
      const into = found[i];
      if (into === undefined) return;
      searchSpan(span, pattern, this.length, (row, start) => {
        into.rows.push(row);
        into.starts.push(start);
      });
    });
    // The streams' rows interleave: merge their matches back into row order.
    forEachInRowOrder(found, (list, j, row) => {
      this.matchRows.push(row);
      this.matchStarts.push(list.starts[j] ?? 0);
      if (this.rows.last !== row) this.rows.push(row);
    });
    this.scanned = end;
    this.changed();
    return end < this.buffer.completedRows;
  }

  /** Matches in the incomplete rows, once all complete ones are searched. */
  private pendingMatches(): { matches: Match[]; rows: number[] } {
    const none = { matches: [], rows: [] };
    const pattern = this.pattern;
    if (pattern === null || !this.done) return none;
    const version = this.buffer.version;
    if (this.pending?.version === version) return this.pending;
    const matches: Match[] = [];
    const rows: number[] = [];
    for (let row = this.buffer.completedRows; row < this.buffer.rowCount; row += 1) {
      const starts = findMatches(plainLine(this.buffer.rowText(row)), pattern);
      for (const start of starts) matches.push({ row, start });
      if (starts.length > 0) rows.push(row);
    }
    this.pending = { version, matches, rows };
    return this.pending;
  }

  /** Matches found so far. */
  get count(): number {
    return this.matchRows.length + this.pendingMatches().matches.length;
  }

  /** Match `index` (0 <= index < count), in row order. */
  match(index: number): Match | undefined {
    if (index < this.matchRows.length) {
      return { row: this.matchRows.at(index), start: this.matchStarts.at(index) };
    }
    return this.pendingMatches().matches[index - this.matchRows.length];
  }

  /** The index of the first match in row `row` or after it (count when there is none). */
  firstMatchFrom(row: number): number {
    if (row >= this.buffer.completedRows) {
      const pending = this.pendingMatches().matches.findIndex((m) => m.row >= row);
      return pending === -1 ? this.count : this.matchRows.length + pending;
    }
    return this.matchRows.lowerBound(row);
  }

  /** Rows with a match: how many so far... */
  get rowCount(): number {
    return this.rows.length + this.pendingMatches().rows.length;
  }

  /** Rows with a match whose rows are complete: these never change. */
  get stableRowCount(): number {
    return this.rows.length;
  }

  /** ...and the `index`th of them. */
  rowAt(index: number): number {
    if (index < this.rows.length) return this.rows.at(index);
    return this.pendingMatches().rows[index - this.rows.length] ?? this.buffer.rowCount;
  }

  /** The index among the rows with a match of row `row`, or of the first one after it. */
  rowIndexFrom(row: number): number {
    const stored = this.rows.lowerBound(row);
    if (stored < this.rows.length) return stored;
    const pending = this.pendingMatches().rows.findIndex((r) => r >= row);
    return pending === -1 ? this.rowCount : stored + pending;
  }
}
