const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const yearFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
});

/** Midnight before `at`, local time. */
function startOfDay(at: number): number {
  const date = new Date(at);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/**
 * How long ago, as people say it: `just now`, `40 s ago`, `3 min ago`, `2 h ago`, `yesterday`,
 * `4 days ago`, then the date. The exact time goes in a tooltip beside it.
 */
export function formatRelative(at: number, now: number): string {
  const ago = now - at;
  // A server clock a little ahead of this one is still "just now".
  if (ago < 10_000) return 'just now';
  if (ago < MINUTE) return `${Math.floor(ago / 1000)} s ago`;
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < 12 * HOUR || startOfDay(at) === startOfDay(now)) {
    return `${Math.floor(ago / HOUR)} h ago`;
  }
  const days = Math.round((startOfDay(now) - startOfDay(at)) / DAY);
  if (days <= 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return new Date(at).getFullYear() === new Date(now).getFullYear()
    ? dayFormat.format(at)
    : yearFormat.format(at);
}
