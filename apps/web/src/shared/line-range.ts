/** Lines of an output, 1-based and inclusive: what a line link points at. */
export interface LineRange {
  readonly from: number;
  readonly to: number;
}

const RANGE = /^L([1-9]\d{0,9})(?:-L([1-9]\d{0,9}))?$/;

/**
 * Reads `L120` or `L120-L140` (a URL's line part, as GitHub writes it). A range written
 * backwards is turned round; anything else is null.
 */
export function parseLineRange(text: string): LineRange | null {
  const match = RANGE.exec(text);
  if (match?.[1] === undefined) return null;
  const a = Number(match[1]);
  const b = match[2] === undefined ? a : Number(match[2]);
  return { from: Math.min(a, b), to: Math.max(a, b) };
}

/** `L120`, or `L120-L140` for more than one line. */
export function formatLineRange(range: LineRange): string {
  return range.from === range.to ? `L${range.from}` : `L${range.from}-L${range.to}`;
}

/**
 * The range a shift-click on `line` selects: from the start of the current selection (where it
 * was first clicked) to that line, whichever way round.
 */
export function extendLineRange(current: LineRange | null, line: number): LineRange {
  const anchor = current?.from ?? line;
  return { from: Math.min(anchor, line), to: Math.max(anchor, line) };
}
