import { EXECUTION_STATES, type ExecutionState } from '@ogent/client';

/** Each execution state as a word (the Record's type keeps it in step with the contract's list). */
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

/** How a status reads: the good, the bad, and the neither (stopped, or still going). */
export type StatusTone = 'running' | 'success' | 'failure' | 'warning' | 'neutral';

/** A status as people read it: a word, a shape and a tone, so it never relies on colour alone. */
export interface StatusView {
  readonly label: string;
  readonly icon: string;
  readonly tone: StatusTone;
  readonly description: string;
}

const ICONS: Readonly<Record<ExecutionState, string>> = {
  running: '…',
  completed: '✓',
  failed: '✕',
  cancelled: '■',
  timed_out: '⏱',
  truncated: '✂',
  interrupted: '!',
  refused: '⊘',
};

const TONES: Readonly<Record<ExecutionState, StatusTone>> = {
  running: 'running',
  completed: 'success',
  failed: 'failure',
  cancelled: 'neutral',
  timed_out: 'warning',
  truncated: 'warning',
  interrupted: 'neutral',
  refused: 'failure',
};

/**
 * A status with its exit code. A command that ran to its end with a non-zero exit code is
 * `completed` for the server (it ran; the API's status says so), but for the person who ran it
 * the command failed: it reads "Exit 2", with the failure's shape and colour.
 */
export function statusView(status: ExecutionState, exitCode: number | null = null): StatusView {
  if (status === 'completed' && exitCode !== null && exitCode !== 0) {
    return {
      label: `Exit ${exitCode}`,
      icon: ICONS.failed,
      tone: 'failure',
      description: `The command ran to its end and exited with ${exitCode}: it failed.`,
    };
  }
  return {
    label: STATUS_LABELS[status],
    icon: ICONS[status],
    tone: TONES[status],
    description: STATUS_DESCRIPTIONS[status],
  };
}

/** The most of a command a tab's title or a notification shows. */
const SUMMARY_COMMAND_CHARS = 60;

/**
 * An execution in one line, for the browser tab's title and notifications: `✓ ls -la` when it
 * succeeded, `✗ Exit 2 · make` or `… Running · sleep 5` otherwise (the word says what the icon
 * means), the command alone while its state is not known yet.
 */
export function executionSummary(
  status: ExecutionState | null,
  exitCode: number | null,
  command: string,
): string {
  const chars = Array.from(command);
  const shown =
    chars.length > SUMMARY_COMMAND_CHARS
      ? `${chars.slice(0, SUMMARY_COMMAND_CHARS - 1).join('')}…`
      : command;
  if (status === null) return shown;
  const view = statusView(status, exitCode);
  // ✕ is thin in most tab fonts: the summary uses the heavier ✗.
  const icon = view.icon === ICONS.failed ? '✗' : view.icon;
  return view.tone === 'success' ? `${icon} ${shown}` : `${icon} ${view.label} · ${shown}`;
}

export function isExecutionState(value: string): value is ExecutionState {
  // Not `value in STATUS_LABELS`, which an inherited name such as `toString` would pass.
  return EXECUTION_STATES.some((state) => state === value);
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
