/**
 * How many of the leading chunks (by size, in order) a read of about `maxBytes` takes: as many as
 * fit, and at least one, so that a read always makes progress.
 */
export function chunksWithin(sizes: readonly number[], maxBytes: number): number {
  let bytes = 0;
  let count = 0;
  for (const size of sizes) {
    if (count > 0 && bytes + size > maxBytes) break;
    bytes += size;
    count += 1;
  }
  return count;
}
