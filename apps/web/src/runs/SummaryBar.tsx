import { HOST_STATUSES } from '@ogent/client';
import { formatCount, formatDuration } from '../execution/status';
import { HOST_STATUS_DESCRIPTIONS, HOST_STATUS_LABELS, RUN_STATUS_LABELS } from './host-status';
import type { HostStatus, RunStatus, RunSummary } from './types';

interface SummaryBarProps {
  readonly summary: RunSummary | null;
  readonly status: RunStatus | null;
  readonly elapsed: number | null;
  /** The state the grid shows only, or null for all. */
  readonly filter: HostStatus | null;
  readonly onFilter: (status: HostStatus | null) => void;
  readonly reconnecting: boolean;
}

/**
 * How many hosts are in each state, how long the run has taken, and its status. Each count also
 * filters the grid to its state.
 */
export function SummaryBar({
  summary,
  status,
  elapsed,
  filter,
  onFilter,
  reconnecting,
}: SummaryBarProps) {
  return (
    <div className="summary" role="group" aria-label="Hosts by state">
      {status !== null && (
        <span className={`run-status run-status--${status}`} data-testid="run-status">
          {status === 'running' && <span className="status__spinner" aria-hidden="true" />}
          {RUN_STATUS_LABELS[status]}
        </span>
      )}
      <span className="summary__total">
        <strong data-testid="summary-total">{formatCount(summary?.total ?? 0)}</strong> hosts
      </span>
      {HOST_STATUSES.map((state) => {
        const count = summary?.[state] ?? 0;
        return (
          <button
            key={state}
            type="button"
            className={`summary__count summary__count--${state}`}
            aria-pressed={filter === state}
            title={`${HOST_STATUS_DESCRIPTIONS[state]} Click to show only these.`}
            onClick={() => onFilter(filter === state ? null : state)}
            disabled={count === 0 && filter !== state}
            data-empty={count === 0}
          >
            {HOST_STATUS_LABELS[state]}{' '}
            <strong data-testid={`summary-${state}`}>{formatCount(count)}</strong>
          </button>
        );
      })}
      {elapsed !== null && (
        <span className="summary__elapsed" title="Time since the run started">
          {formatDuration(elapsed)}
        </span>
      )}
      {reconnecting && (
        <span className="run__connection" role="status">
          Connection lost — reconnecting…
        </span>
      )}
    </div>
  );
}
