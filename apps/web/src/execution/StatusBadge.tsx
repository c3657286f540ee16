import type { ExecutionState } from '../api/types.js';
import { statusView } from './status';

/**
 * A status in words, with a colour and a shape so it does not rely on colour alone. A command
 * that ran to its end with a non-zero exit code is `completed` for the server; for the reader it
 * failed, and it shows as such: "Exit 2", in the failure's colour and shape.
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
  const view = statusView(status, exitCode);
  const nonZero = status === 'completed' && view.tone === 'failure';
  const classes = [
    'status',
    `status--${status}`,
    nonZero ? 'status--nonzero' : '',
    compact ? 'status--compact' : '',
  ];
  return (
    <span
      className={classes.filter(Boolean).join(' ')}
      title={view.description}
      data-status={status}
      data-tone={view.tone}
    >
      {status === 'running' ? (
        <span className="status__spinner" aria-hidden="true" />
      ) : (
        <span className="status__icon" aria-hidden="true">
          {view.icon}
        </span>
      )}
      {view.label}
    </span>
  );
}
