import type { ExecutionState } from '../api/types.js';
import { STATUS_DESCRIPTIONS, STATUS_LABELS } from './status';

const ICONS: Readonly<Record<ExecutionState, string>> = {
  running: '',
  completed: '✓',
  failed: '✕',
  cancelled: '■',
  timed_out: '⏱',
  truncated: '✂',
  interrupted: '!',
  refused: '⊘',
};

/**
 * A status in words, with a colour and a shape so it does not rely on colour alone. A command
 * that ran to its end with a non-zero exit code is `completed` for the server; it is marked so
 * it does not pass for a success.
 */
export function StatusBadge({
  status,
  exitCode = null,
  compact = false,
}: {
  status: ExecutionState;
  exitCode?: number | null;
  compact?: boolean;
}) {
  const nonZero = status === 'completed' && exitCode !== null && exitCode !== 0;
  const classes = [
    'status',
    `status--${status}`,
    nonZero ? 'status--nonzero' : '',
    compact ? 'status--compact' : '',
  ];
  return (
    <span
      className={classes.filter(Boolean).join(' ')}
      title={
        nonZero
          ? `${STATUS_DESCRIPTIONS[status]} It exited with ${exitCode}.`
          : STATUS_DESCRIPTIONS[status]
      }
      data-status={status}
    >
      {status === 'running' ? (
        <span className="status__spinner" aria-hidden="true" />
      ) : (
        <span className="status__icon" aria-hidden="true">
          {nonZero ? '!' : ICONS[status]}
        </span>
      )}
      {STATUS_LABELS[status]}
    </span>
  );
}
