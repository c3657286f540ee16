import type { Segment } from './sgr';

/** How a piece of a row is marked: not at all, as a match, or as the current match. */
export type MarkKind = 'none' | 'match' | 'current';

export interface MarkedSegment extends Segment {
  readonly mark: MarkKind;
}

/**
 * Cuts a row's segments where matches begin and end, so each match can be drawn marked while
 * keeping its colours. `starts` are the matches' offsets in the text the segments show
 * (ascending, not overlapping), each `length` long; the one at `current` is the current match.
 */
export function markSegments(
  segments: readonly Segment[],
  starts: readonly number[],
  length: number,
  current: number,
): MarkedSegment[] {
  if (starts.length === 0 || length === 0) {
    return segments.map((s) => ({ ...s, mark: 'none' }));
  }
  const out: MarkedSegment[] = [];
  let offset = 0;
  let m = 0;
  for (const segment of segments) {
    const end = offset + segment.text.length;
    let at = offset;
    while (at < end) {
      // Skip matches that ended before here.
      while (m < starts.length && (starts[m] ?? 0) + length <= at) m += 1;
      const matchStart = starts[m];
      if (matchStart === undefined || matchStart >= end) {
        out.push({ text: segment.text.slice(at - offset), state: segment.state, mark: 'none' });
        break;
      }
      if (matchStart > at) {
        out.push({
          text: segment.text.slice(at - offset, matchStart - offset),
          state: segment.state,
          mark: 'none',
        });
        at = matchStart;
      }
      const stop = Math.min(end, matchStart + length);
      out.push({
        text: segment.text.slice(at - offset, stop - offset),
        state: segment.state,
        mark: matchStart === current ? 'current' : 'match',
      });
      at = stop;
    }
    offset = end;
  }
  return out;
}
