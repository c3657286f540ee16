/**
 * The text of one output stream, kept as the chunks it arrived in: appending never copies, and a
 * slice touches only the chunks it covers. (Joining 50 MB into one string per chunk would cost
 * quadratic time; an array of one string per line would cost ~40 bytes of overhead per line.)
 */
export class TextLog {
  private readonly chunks: string[] = [];
  /** Offset of each chunk's first character. */
  private readonly starts: number[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  append(text: string): void {
    if (text === '') return;
    this.chunks.push(text);
    this.starts.push(this.total);
    this.total += text.length;
  }

  /** Index of the chunk holding offset `at` (which must be < length). */
  private chunkAt(at: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Characters [from, to). */
  slice(from: number, to: number): string {
    const end = Math.min(to, this.total);
    if (from >= end) return '';
    let index = this.chunkAt(from);
    let out = '';
    let at = from;
    while (at < end) {
      const chunk = this.chunks[index] ?? '';
      const base = this.starts[index] ?? 0;
      const stop = Math.min(end, base + chunk.length);
      out += chunk.slice(at - base, stop - base);
      at = stop;
      index += 1;
    }
    return out;
  }
}
