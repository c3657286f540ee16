import { DEFAULT_SGR, type SgrState } from './sgr';
import { TextLog } from './text-log';

/*
 * The storage an OutputBuffer is made of: rows as offsets, lengths and flags in typed-array
 * blocks, the state of each stream's incomplete row, and the arrival times where they change.
 */

export type StreamName = 'stdout' | 'stderr';

/**
 * Rows longer than this are cut and continued on the next row: a browser lays out a 50 MB line
 * (`head -c` of a file with no newline) no better than a 50 MB page.
 */
export const MAX_ROW_CHARS = 2000;

/**
 * Characters that may not take one cell each: anything but printable ASCII (and the newline that
 * ends a row). A row without any has as many cells as characters, which is almost every row.
 */
export const SPECIAL = /[^\x20-\x7e\n]/g;

/** Index of the first SPECIAL character at or after `from`, or -1. */
export function nextSpecial(text: string, from: number): number {
  SPECIAL.lastIndex = from;
  return SPECIAL.exec(text)?.index ?? -1;
}

/** Whether the body of an escape sequence holds its final byte (or BEL, which ends an OSC). */
export function terminated(body: string): boolean {
  for (let i = 0; i < body.length; i += 1) {
    const c = body.charCodeAt(i);
    if ((c >= 0x40 && c <= 0x7e) || c === 0x07) return true;
  }
  return false;
}

/** One displayed row. */
export interface Row {
  readonly text: string;
  readonly stream: StreamName;
  /** SGR state at the start of the row. */
  readonly state: SgrState;
  /** Line number (1-based) across both streams; null for the continuation of a cut line. */
  readonly line: number | null;
  /**
   * When its line started: the arrival time (ms since the epoch) of the output chunk that held
   * the line's first character; null when unknown (output stored before times were kept).
   */
  readonly at: number | null;
}

/**
 * Completed rows of one stream, in order, as one string: what a search reads in one go rather
 * than row by row.
 */
export interface RowSpan {
  readonly stream: StreamName;
  /** Row indexes, ascending. */
  readonly rows: Uint32Array;
  /** Where each row starts in `text`. */
  readonly starts: Uint32Array;
  readonly lengths: Uint16Array;
  /** 1 where the row continues a cut line (no newline before it). */
  readonly continued: Uint8Array;
  /** The rows' text, with the newlines between them. */
  readonly text: string;
}

export const STDERR_FLAG = 1;
export const CONTINUED_FLAG = 2;
/** The row's width in cells is in the block's `widths`, not its length. */
export const WIDTH_FLAG = 4;

/**
 * Rows are stored in fixed blocks rather than one array grown by doubling: growing would copy
 * tens of megabytes at once (a visible stall at millions of rows), a new block costs 448 kB.
 */
export const BLOCK_BITS = 16;
export const BLOCK_MASK = (1 << BLOCK_BITS) - 1;

export interface RowBlock {
  /** Offset of the row's first character in its stream's log. */
  readonly starts: Uint32Array;
  /** Characters in the row (at most MAX_ROW_CHARS). */
  readonly lengths: Uint16Array;
  readonly flags: Uint8Array;
  /** Cells of the rows whose width is not their length (tabs, wide characters, escapes). */
  widths: Uint16Array | null;
}

export function newBlock(): RowBlock {
  const size = 1 << BLOCK_BITS;
  return {
    starts: new Uint32Array(size),
    lengths: new Uint16Array(size),
    flags: new Uint8Array(size),
    widths: null,
  };
}

export class StreamState {
  readonly log = new TextLog();
  readonly decoder = new TextDecoder('utf-8');
  /** Offset in `log` where the incomplete row starts. */
  rowStart = 0;
  /** SGR state at `rowStart`. */
  rowState: SgrState = DEFAULT_SGR;
  /** The incomplete row continues a cut line. */
  continued = false;
  /** The incomplete row may hold escape sequences. */
  rowHasEscape = false;
  /** The incomplete row may hold characters that do not take one cell each. */
  rowNeedsWidth = false;
  /** The incomplete row has a first character, which arrived at `rowAt` (NaN: unknown). */
  rowStarted = false;
  rowAt = Number.NaN;
  /** Row indexes from which a new SGR state applies to this stream's rows, and the states. */
  readonly runRows: number[] = [];
  readonly runStates: SgrState[] = [];

  constructor(readonly flag: number) {}

  get pendingLength(): number {
    return this.log.length - this.rowStart;
  }

  stateOfRow(row: number): SgrState {
    let lo = 0;
    let hi = this.runRows.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.runRows[mid] ?? 0) <= row) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found === -1 ? DEFAULT_SGR : (this.runStates[found] ?? DEFAULT_SGR);
  }
}

/**
 * Rows from which a new arrival time applies, and the times (NaN: unknown): an entry per
 * change, so a chunk of a thousand lines costs one (12 bytes), and a row's time is a binary
 * search away.
 */
export class RowTimes {
  private rows = new Uint32Array(256);
  private values = new Float64Array(256);
  private count = 0;

  /** The arrival time of completed row `index`, or null. */
  at(index: number): number | null {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.rows[mid] ?? 0) <= index) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const at = found === -1 ? Number.NaN : (this.values[found] ?? Number.NaN);
    return Number.isNaN(at) ? null : at;
  }

  /** Notes the time of the row being completed at `index`, if it differs from the row before. */
  note(index: number, at: number): void {
    const last = this.count - 1;
    if (last >= 0 && Object.is(this.values[last], at)) return;
    if (this.count === this.rows.length) {
      const rows = new Uint32Array(this.count * 2);
      rows.set(this.rows);
      this.rows = rows;
      const values = new Float64Array(this.count * 2);
      values.set(this.values);
      this.values = values;
    }
    this.rows[this.count] = index;
    this.values[this.count] = at;
    this.count += 1;
  }
}
