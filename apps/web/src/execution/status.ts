import type { ExecutionState } from '../api/types.js';

/** Every state an execution can be in (mirrors the server's list; the Record keeps them in step). */
export const STATUS_LABELS: Readonly<Record<ExecutionState, string>> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  timed_out: 'Timed out',
  truncated: 'Truncated',
  interrupted: 'Interrupted',
  refused: 'Refused',
};

export const EXECUTION_STATES = Object.keys(STATUS_LABELS) as ExecutionState[];

/** What each status means, for a tooltip and screen readers. */
export const STATUS_DESCRIPTIONS: Readonly<Record<ExecutionState, string>> = {
  running: 'The command is running.',
  completed: 'The command ran to its end (see its exit code).',
  failed: 'The command could not be started, or the connection to the target was lost.',
  cancelled: 'The command was cancelled.',
  timed_out: 'The command ran past the time limit and was stopped.',
  truncated: 'The command printed more than the output limit and was stopped.',
  interrupted: 'The server stopped while the command ran.',
  refused: 'The policy did not allow the command; nothing ran.',
};

export function isExecutionState(value: string): value is ExecutionState {
  return value in STATUS_LABELS;
}

/** 340 ms, 12.3 s, 2 min 05 s, 1 h 02 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  }
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? 'GiB'}`;
}

const numberFormat = new Intl.NumberFormat();

export function formatCount(n: number): string {
  return numberFormat.format(n);
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

/** The day alone: `12 May 2026`. */
export function formatDate(at: number): string {
  return dateFormat.format(at);
}

/** Time of day for today, date and time before. */
export function formatWhen(at: number, now: number): string {
  const sameDay = new Date(at).toDateString() === new Date(now).toDateString();
  return sameDay ? timeFormat.format(at) : dateTimeFormat.format(at);
}

export function formatFull(at: number): string {
  return fullFormat.format(at);
}
