import type { ReactNode } from 'react';
import { EXECUTION_STATES } from '@ogent/client';
import { STATUS_LABELS, isExecutionState } from '../execution/status';
import type { HistoryFilterValues } from './history-query';

interface HistoryFiltersProps {
  readonly filters: HistoryFilterValues;
  readonly onChange: (filters: HistoryFilterValues) => void;
  /** What the search box looks through, and the id that describes it. */
  readonly scopeText: string;
  readonly scopeId: string;
  /** The targets to pick from, drawn once per list of targets. */
  readonly targetOptions: ReactNode;
  /** The user may see everyone's executions: they can filter by user. */
  readonly viewAll: boolean;
}

/** The history's filters: text, target, status and (for those who see all) user. */
export function HistoryFilters({
  filters,
  onChange,
  scopeText,
  scopeId,
  targetOptions,
  viewAll,
}: HistoryFiltersProps) {
  const set = (change: Partial<HistoryFilterValues>): void => onChange({ ...filters, ...change });
  return (
    <form className="history__filters" role="search" onSubmit={(event) => event.preventDefault()}>
      <label className="field field--wide">
        <span className="field__label">Search</span>
        <input
          type="search"
          value={filters.search}
          onChange={(event) => set({ search: event.target.value })}
          placeholder="Command or output"
          maxLength={256}
          aria-describedby={scopeId}
        />
      </label>
      <p id={scopeId} className="field__hint field--wide" data-testid="search-scope">
        {scopeText}
      </p>
      <label className="field">
        <span className="field__label">Target</span>
        <select value={filters.target} onChange={(event) => set({ target: event.target.value })}>
          <option value="">All</option>
          {targetOptions}
        </select>
      </label>
      <label className="field">
        <span className="field__label">Status</span>
        <select
          value={filters.status}
          onChange={(event) => {
            const value = event.target.value;
            set({ status: isExecutionState(value) ? value : '' });
          }}
        >
          <option value="">All</option>
          {EXECUTION_STATES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      {viewAll && (
        <label className="field field--wide">
          <span className="field__label">User</span>
          <input
            type="search"
            value={filters.user}
            onChange={(event) => set({ user: event.target.value })}
            placeholder="Everyone"
            maxLength={64}
          />
        </label>
      )}
    </form>
  );
}
