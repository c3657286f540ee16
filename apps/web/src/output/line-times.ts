/** How the output view shows when each line arrived: not at all, as the time of day, or since the start. */
export type LineTimesMode = 'off' | 'clock' | 'elapsed';

export const LINE_TIMES_MODES = [
  'off',
  'clock',
  'elapsed',
] as const satisfies readonly LineTimesMode[];

/** Characters of the time column: `12:04:05.123`, and `+1:02:03.456` up to ten hours. */
export const LINE_TIME_CHARS = 12;

const two = (n: number): string => String(n).padStart(2, '0');
const three = (n: number): string => String(n).padStart(3, '0');

/** The time of day in the browser's time zone, to the millisecond: `12:04:05.123`. */
export function clockTime(at: number): string {
  const date = new Date(at);
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${three(date.getMilliseconds())}`;
}

/** Time since `start`: `+5.123`, `+2:05.123`, `+1:02:05.123`. */
export function elapsedTime(at: number, start: number): string {
  const ms = Math.max(0, Math.round(at - start));
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor(ms / 60_000) % 60;
  const seconds = Math.floor(ms / 1000) % 60;
  const fraction = three(ms % 1000);
  if (hours > 0) return `+${hours}:${two(minutes)}:${two(seconds)}.${fraction}`;
  if (minutes > 0) return `+${minutes}:${two(seconds)}.${fraction}`;
  return `+${seconds}.${fraction}`;
}

/**
 * What the time column shows for a row: its line's arrival time in the chosen form; nothing for
 * the continuation of a cut line, for a time not known, or (since the start) without a start.
 */
export function lineTime(
  at: number | null,
  line: number | null,
  mode: Exclude<LineTimesMode, 'off'>,
  start: number | null,
): string {
  if (at === null || line === null) return '';
  if (mode === 'clock') return clockTime(at);
  return start === null ? '' : elapsedTime(at, start);
}
