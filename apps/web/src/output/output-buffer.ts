import type { ExecutionEnd, ExecutionEvent } from '@ogent/client';
import {
  BLOCK_BITS,
  BLOCK_MASK,
  CONTINUED_FLAG,
  MAX_ROW_CHARS,
  type Row,
  type RowBlock,
  type RowSpan,
  RowTimes,
  STDERR_FLAG,
  StreamState,
  WIDTH_FLAG,
  newBlock,
  nextSpecial,
  terminated,
} from './output-rows';
import { forEachInRowOrder } from './row-order';
import { DEFAULT_SGR, plainLine, sameSgr, sgrAfter } from './sgr';
import { displayWidth } from './text-width';
import { VersionedSource } from './use-frame-version';

export { MAX_ROW_CHARS, type Row, type RowSpan, type StreamName } from './output-rows';

/**
 * Output of one execution, stored outside React: text per stream in the chunks it came in, and
 * per row only an offset, a length and two flags in typed arrays (7 bytes a row, so 7 million
 * lines take ~50 MB besides the text). Rows are cut at newlines as output arrives; SGR
 * state is tracked only across rows that contain escapes, and arrival times only where they
 * change (per chunk, not per row). Messages are numbered: one already seen is ignored, so a
 * resumed stream can never double a line.
 */
export class OutputBuffer extends VersionedSource {
  private readonly streams = {
    stdout: new StreamState(0),
    stderr: new StreamState(STDERR_FLAG),
  };
  private readonly blocks: RowBlock[] = [];
  private count = 0;
  /** Indexes of rows that continue a cut line, ascending. */
  private readonly continuations: number[] = [];
  private widest = 0;
  private readonly times = new RowTimes();
  private seq = 0;
  private endMessage: ExecutionEnd | null = null;
  /** `seq` of the last message taken: resume after it. */
  get lastSeq(): number {
    return this.seq;
  }

  get end(): ExecutionEnd | null {
    return this.endMessage;
  }

  /** Completed rows plus each stream's incomplete last row. */
  get rowCount(): number {
    return this.count + this.pendingStreams().length;
  }

  /** Number of lines (a cut line counts once). */
  get lineCount(): number {
    return (
      this.rowCount -
      this.continuations.length -
      this.pendingStreams().filter((s) => s.continued).length
    );
  }

  /** Rows that are complete: these never change, and keep their indexes. */
  get completedRows(): number {
    return this.count;
  }

  /** Cells of the widest row (see `rowWidth`). */
  get widestRow(): number {
    return Math.max(
      this.widest,
      ...this.pendingStreams().map((s) =>
        displayWidth(plainLine(s.log.slice(s.rowStart, s.log.length))),
      ),
    );
  }

  /** Cells row `index` takes in a monospace font: its length, unless it has tabs, wide characters or escapes. */
  rowWidth(index: number): number {
    if (index >= this.count) return displayWidth(plainLine(this.rowText(index)));
    const block = this.blocks[index >>> BLOCK_BITS];
    const at = index & BLOCK_MASK;
    if (block === undefined) return 0;
    return ((block.flags[at] ?? 0) & WIDTH_FLAG) !== 0
      ? (block.widths?.[at] ?? 0)
      : (block.lengths[at] ?? 0);
  }

  /** The text of row `index` as it arrived (escapes and all), without the rest of `row`. */
  rowText(index: number): string {
    if (index >= this.count) {
      const stream = this.pendingStreams()[index - this.count];
      if (stream === undefined) throw new RangeError(`No row ${index}`);
      return stream.log.slice(stream.rowStart, stream.log.length);
    }
    const block = this.blocks[index >>> BLOCK_BITS];
    const at = index & BLOCK_MASK;
    const stream =
      ((block?.flags[at] ?? 0) & STDERR_FLAG) !== 0 ? this.streams.stderr : this.streams.stdout;
    const start = block?.starts[at] ?? 0;
    return stream.log.slice(start, start + (block?.lengths[at] ?? 0));
  }

  /**
   * The row line `line` (1-based) starts on, or -1 when there is no such line (yet). Row r holds
   * line r + 1 - (continuations up to r), which never decreases: a binary search finds it.
   */
  rowOfLine(line: number): number {
    if (line < 1) return -1;
    let lo = line - 1;
    let hi = Math.min(line - 1 + this.continuations.length, this.count);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (mid + 1 - this.continuationsUpTo(mid) >= line) hi = mid;
      else lo = mid + 1;
    }
    if (lo < this.count) return lo;
    for (let i = this.count; i < this.rowCount; i += 1) {
      if (this.row(i).line === line) return i;
    }
    return -1;
  }

  /**
   * Completed rows [from, to) grouped by stream, each group's text in one string (a slice of the
   * stream's log: the rows of one stream follow each other there).
   */
  rowSpans(from: number, to: number): RowSpan[] {
    const end = Math.min(to, this.count);
    const size = Math.max(0, end - from);
    const groups = [this.streams.stdout, this.streams.stderr].map((stream) => ({
      stream,
      rows: new Uint32Array(size),
      starts: new Uint32Array(size),
      lengths: new Uint16Array(size),
      continued: new Uint8Array(size),
      n: 0,
    }));
    // Block by block, with its arrays in locals: this loop runs for every row of a search.
    for (let index = from; index < end;) {
      const block = this.blocks[index >>> BLOCK_BITS];
      if (block === undefined) break;
      const { starts, lengths, flags } = block;
      const blockEnd = Math.min(end, ((index >>> BLOCK_BITS) + 1) << BLOCK_BITS);
      for (; index < blockEnd; index += 1) {
        const at = index & BLOCK_MASK;
        const flag = flags[at] ?? 0;
        const group = groups[flag & STDERR_FLAG];
        if (group === undefined) continue;
        const n = group.n;
        group.rows[n] = index;
        group.starts[n] = starts[at] ?? 0;
        group.lengths[n] = lengths[at] ?? 0;
        group.continued[n] = (flag & CONTINUED_FLAG) >>> 1;
        group.n = n + 1;
      }
    }
    const spans: RowSpan[] = [];
    for (const group of groups) {
      if (group.n === 0) continue;
      const first = group.starts[0] ?? 0;
      const last = (group.starts[group.n - 1] ?? 0) + (group.lengths[group.n - 1] ?? 0);
      const starts = group.starts.subarray(0, group.n);
      for (let i = 0; i < starts.length; i += 1) starts[i] = (starts[i] ?? 0) - first;
      spans.push({
        stream: group.stream === this.streams.stderr ? 'stderr' : 'stdout',
        rows: group.rows.subarray(0, group.n),
        starts,
        lengths: group.lengths.subarray(0, group.n),
        continued: group.continued.subarray(0, group.n),
        text: group.stream.log.slice(first, last),
      });
    }
    return spans;
  }

  /**
   * The text rows [from, to) show, as lines: escapes dropped, a cut line joined again. What
   * copying them gives.
   */
  plainText(from: number, to: number): string {
    const parts: string[] = [];
    const end = Math.min(to, this.rowCount);
    const add = (text: string, continued: boolean, index: number): void => {
      if (index > from && !continued) parts.push('\n');
      parts.push(plainLine(text));
    };
    // A slice at a time: the typed arrays of a span cost 15 bytes a row.
    for (let start = from; start < Math.min(end, this.count); start += 65_536) {
      const spans = this.rowSpans(start, Math.min(end, start + 65_536));
      const only = spans.length === 1 ? spans[0] : undefined;
      if (only !== undefined && !only.text.includes('\x1b') && !only.text.includes('\r')) {
        // One stream, nothing to drop: its text is the rows with their newlines already.
        add(only.text, only.continued[0] === 1, only.rows[0] ?? 0);
        continue;
      }
      forEachInRowOrder(spans, (span, j, row) => {
        const at = span.starts[j] ?? 0;
        add(span.text.slice(at, at + (span.lengths[j] ?? 0)), span.continued[j] === 1, row);
      });
    }
    for (let index = Math.max(from, this.count); index < end; index += 1) {
      add(this.rowText(index), this.row(index).line === null, index);
    }
    return parts.join('');
  }

  /**
   * Takes one message of the stream. Returns false for a message already taken (by `seq`) or
   * anything after the end.
   */
  push(message: ExecutionEvent): boolean {
    if (this.endMessage !== null || message.seq <= this.seq) return false;
    this.seq = message.seq;
    if (message.type === 'output') {
      const stream = this.streams[message.stream];
      const { data, times } = message;
      // Each piece at the time it arrived; bytes before the first time have none known.
      const first = times[0]?.[0] ?? data.byteLength;
      if (first > 0) this.take(stream, data.subarray(0, first), Number.NaN);
      times.forEach(([offset, at], i) => {
        this.take(stream, data.subarray(offset, times[i + 1]?.[0] ?? data.byteLength), at);
      });
    } else {
      for (const stream of [this.streams.stdout, this.streams.stderr]) {
        this.append(stream, stream.decoder.decode(), stream.rowAt);
        if (stream.pendingLength > 0) this.completeRow(stream, stream.log.length, 0);
      }
      this.endMessage = message;
    }
    this.changed();
    return true;
  }

  /** Row `index` (0 <= index < rowCount). */
  row(index: number): Row {
    if (index >= this.count) {
      const stream = this.pendingStreams()[index - this.count];
      if (stream === undefined) throw new RangeError(`No row ${index}`);
      const continuedBefore = this.continuations.length;
      return {
        text: stream.log.slice(stream.rowStart, stream.log.length),
        stream: stream === this.streams.stderr ? 'stderr' : 'stdout',
        state: stream.rowState,
        line: stream.continued ? null : index + 1 - continuedBefore,
        at: Number.isNaN(stream.rowAt) ? null : stream.rowAt,
      };
    }
    const block = this.blocks[index >>> BLOCK_BITS];
    const at = index & BLOCK_MASK;
    const flags = block?.flags[at] ?? 0;
    const stream = (flags & STDERR_FLAG) !== 0 ? this.streams.stderr : this.streams.stdout;
    const start = block?.starts[at] ?? 0;
    return {
      text: stream.log.slice(start, start + (block?.lengths[at] ?? 0)),
      stream: stream === this.streams.stderr ? 'stderr' : 'stdout',
      state: stream.stateOfRow(index),
      line: (flags & CONTINUED_FLAG) !== 0 ? null : index + 1 - this.continuationsUpTo(index),
      at: this.times.at(index),
    };
  }

  /** Decodes bytes of a stream that arrived at `at` and takes the text. */
  private take(stream: StreamState, bytes: Uint8Array, at: number): void {
    // Chunks split anywhere, even inside a character: the decoder keeps the partial bytes.
    if (bytes.byteLength === 0) return;
    this.append(stream, stream.decoder.decode(bytes, { stream: true }), at);
  }

  private pendingStreams(): StreamState[] {
    const out: StreamState[] = [];
    if (this.streams.stdout.pendingLength > 0) out.push(this.streams.stdout);
    if (this.streams.stderr.pendingLength > 0) out.push(this.streams.stderr);
    return out;
  }

  private continuationsUpTo(index: number): number {
    let lo = 0;
    let hi = this.continuations.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.continuations[mid] ?? 0) <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends text that arrived at `at` (NaN: unknown), cutting rows at newlines. */
  private append(stream: StreamState, text: string, at: number): void {
    if (text === '') return;
    if (!stream.rowStarted) {
      stream.rowStarted = true;
      stream.rowAt = at;
    }
    const base = stream.log.length;
    stream.log.append(text);
    let escape = text.indexOf('\x1b');
    let special = nextSpecial(text, 0);
    let from = 0;
    for (;;) {
      const newline = text.indexOf('\n', from);
      const segmentEnd = newline === -1 ? text.length : newline;
      if (escape !== -1 && escape < from) escape = text.indexOf('\x1b', from);
      if (special !== -1 && special < from) special = nextSpecial(text, from);
      // Conservative: every row of a segment holding an escape is parsed for SGR changes, and
      // every row of one holding a special character is measured.
      const segmentEscape = escape !== -1 && escape < segmentEnd;
      const segmentSpecial = special !== -1 && special < segmentEnd;
      const lineEnd = base + segmentEnd;
      while (lineEnd - stream.rowStart > MAX_ROW_CHARS) {
        if (segmentEscape) stream.rowHasEscape = true;
        if (segmentSpecial) stream.rowNeedsWidth = true;
        this.completeRow(stream, this.cutPoint(stream), 0, true);
      }
      if (segmentEscape) stream.rowHasEscape = true;
      if (segmentSpecial) stream.rowNeedsWidth = true;
      if (newline === -1) break;
      this.completeRow(stream, lineEnd, 1);
      from = newline + 1;
      // The next line starts here if this text goes on; otherwise in whatever comes next.
      if (from < text.length) {
        stream.rowStarted = true;
        stream.rowAt = at;
      }
    }
  }

  /**
   * Where to cut a row that grew too long: not inside a surrogate pair, and not inside an escape
   * sequence (which is short: looking back a little is enough).
   */
  private cutPoint(stream: StreamState): number {
    const limit = stream.rowStart + MAX_ROW_CHARS;
    const lookBack = 64;
    // tail[lookBack] is the first character of the next row.
    const tail = stream.log.slice(limit - lookBack, limit + 1);
    const escape = tail.lastIndexOf('\x1b', lookBack - 1);
    if (escape !== -1 && !terminated(tail.slice(escape + 2, lookBack))) {
      const at = limit - lookBack + escape;
      if (at > stream.rowStart) return at;
    }
    const code = tail.charCodeAt(lookBack - 1);
    return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
  }

  /** Ends the stream's incomplete row at `end`; the next starts after `skip` characters. */
  private completeRow(stream: StreamState, end: number, skip: number, cut = false): void {
    const index = this.count;
    const at = index & BLOCK_MASK;
    if (at === 0) this.blocks.push(newBlock());
    const block = this.blocks[this.blocks.length - 1] ?? newBlock();
    const length = end - stream.rowStart;
    block.starts[at] = stream.rowStart;
    block.lengths[at] = length;
    let width = length;
    if (stream.rowNeedsWidth) {
      width = displayWidth(plainLine(stream.log.slice(stream.rowStart, end)));
    }
    block.flags[at] =
      stream.flag | (stream.continued ? CONTINUED_FLAG : 0) | (width !== length ? WIDTH_FLAG : 0);
    if (width !== length) {
      block.widths ??= new Uint16Array(block.flags.length);
      block.widths[at] = width;
    }
    if (stream.continued) this.continuations.push(index);
    this.times.note(index, stream.rowAt);
    const last = stream.runStates[stream.runStates.length - 1] ?? DEFAULT_SGR;
    if (!sameSgr(last, stream.rowState)) {
      stream.runRows.push(index);
      stream.runStates.push(stream.rowState);
    }
    if (stream.rowHasEscape) {
      stream.rowState = sgrAfter(stream.log.slice(stream.rowStart, end), stream.rowState);
    }
    this.widest = Math.max(this.widest, width);
    this.count += 1;
    stream.rowStart = end + skip;
    stream.continued = cut;
    stream.rowHasEscape = false;
    stream.rowNeedsWidth = false;
    // A cut line goes on in the next row, which keeps the time the line started at.
    stream.rowStarted = cut;
  }
}
