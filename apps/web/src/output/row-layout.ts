/**
 * The rows a terminal shows, in order: every row of the output, or only those with a match. An
 * item is a place in this list; `rowAt` says which row of the output it shows.
 */
export interface RowList {
  readonly count: number;
  /** Items before this never change; those after may (the incomplete last rows). */
  readonly stable: number;
  rowAt(item: number): number;
  /** The item showing row `row`, or the first one after it (`count` when there is none). */
  itemFrom(row: number): number;
}

/** Every row of an output, as it grows. */
export function allRows(output: {
  readonly rowCount: number;
  readonly completedRows: number;
}): RowList {
  return {
    get count() {
      return output.rowCount;
    },
    get stable() {
      return output.completedRows;
    },
    rowAt: (item) => item,
    itemFrom: (row) => Math.max(0, Math.min(row, output.rowCount)),
  };
}

/**
 * Where each item sits, in lines of the terminal's fixed height: one each, or, when long rows
 * wrap, as many as the row needs.
 */
export interface RowLayout {
  /** Lines of all items. */
  readonly lines: number;
  /** The first line of `item` (item may be `count`: the end). */
  lineOf(item: number): number;
  /** The item on line `line` (clamped to the items there are). */
  itemAt(line: number): number;
  /** Lines item `item` takes. */
  linesOf(item: number): number;
}

/** One line per item. */
export function flatLayout(count: number): RowLayout {
  return {
    lines: count,
    lineOf: (item) => item,
    itemAt: (line) => Math.max(0, Math.min(Math.floor(line), count - 1)),
    linesOf: () => 1,
  };
}

/** Items summed per chunk: finding an item's line walks at most a chunk. */
const CHUNK = 1024;

/**
 * Lines of items that wrap: each takes `ceil(cells / columns)` lines (at least one). The lines
 * before each chunk of stable items are summed once, as items arrive, so finding where an item
 * is never walks more than a chunk and the incomplete items at the end; a new width or list
 * means a new layout.
 */
export class WrapLayout implements RowLayout {
  /** sums[c]: lines of the items before item c * CHUNK, for chunks of stable items. */
  private readonly sums: number[] = [0];
  private count = 0;

  constructor(
    private readonly cellsOf: (item: number) => number,
    readonly columns: number,
  ) {}

  /** Takes in the list's current length (it only grows at its unstable end). */
  update(count: number, stable: number): this {
    this.count = count;
    while ((this.sums.length - 1) * CHUNK + CHUNK <= stable) {
      const chunk = this.sums.length - 1;
      this.sums.push((this.sums[chunk] ?? 0) + this.walk(chunk * CHUNK, chunk * CHUNK + CHUNK));
    }
    return this;
  }

  linesOf(item: number): number {
    return Math.max(1, Math.ceil(this.cellsOf(item) / this.columns));
  }

  private walk(from: number, to: number): number {
    let lines = 0;
    for (let item = from; item < to; item += 1) lines += this.linesOf(item);
    return lines;
  }

  get lines(): number {
    return this.lineOf(this.count);
  }

  lineOf(item: number): number {
    const chunk = Math.min(Math.floor(item / CHUNK), this.sums.length - 1);
    return (this.sums[chunk] ?? 0) + this.walk(chunk * CHUNK, Math.min(item, this.count));
  }

  itemAt(line: number): number {
    if (this.count === 0) return 0;
    let lo = 0;
    let hi = this.sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.sums[mid] ?? 0) <= line) lo = mid;
      else hi = mid - 1;
    }
    let at = this.sums[lo] ?? 0;
    for (let item = lo * CHUNK; item < this.count; item += 1) {
      at += this.linesOf(item);
      if (at > line) return item;
    }
    return this.count - 1;
  }
}
