const BLOCK_BITS = 16;
const BLOCK_SIZE = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK_SIZE - 1;

/**
 * A list of unsigned 32-bit numbers that only grows, in fixed blocks: millions of entries cost 4
 * bytes each, and growing never copies what is there (a doubled array would stall the page).
 */
export class NumberList {
  private readonly blocks: Uint32Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    const at = this.size & BLOCK_MASK;
    if (at === 0) this.blocks.push(new Uint32Array(BLOCK_SIZE));
    const block = this.blocks[this.blocks.length - 1];
    if (block !== undefined) block[at] = value;
    this.size += 1;
  }

  /** Entry `index` (0 <= index < length). */
  at(index: number): number {
    return this.blocks[index >>> BLOCK_BITS]?.[index & BLOCK_MASK] ?? 0;
  }

  get last(): number | undefined {
    return this.size === 0 ? undefined : this.at(this.size - 1);
  }

  /** The first index whose entry is >= `value` (the entries ascending), or length. */
  lowerBound(value: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
