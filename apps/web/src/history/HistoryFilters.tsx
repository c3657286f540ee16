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

/** A full-width free-text filter: the search and the user box. */
function SearchField(props: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly placeholder: string;
  readonly maxLength: number;
  /** The id of the text that says what the box looks through, if there is one. */
  readonly describedBy?: string;
}) {
  return (
    <label className="field field--wide">
      <span className="field__label">{props.label}</span>
      <input
        type="search"
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        placeholder={props.placeholder}
        maxLength={props.maxLength}
        aria-describedby={props.describedBy}
      />
    </label>
  );
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
      <SearchField
        label="Search"
        value={filters.search}
        onChange={(search) => set({ search })}
        placeholder="Command or output"
        maxLength={256}
        describedBy={scopeId}
      />
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
        <SearchField
          label="User"
          value={filters.user}
          onChange={(user) => set({ user })}
          placeholder="Everyone"
          maxLength={64}
        />
      )}
    </form>
  );
}
