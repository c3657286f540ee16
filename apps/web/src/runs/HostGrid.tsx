import { memo } from 'react';
import { routeHref } from '../shared/route';
import { formatDuration } from '../execution/status';
import { useVirtualRows } from '../output/virtual-rows';
import { type HostSort, type HostSortKey, nextSort } from './host-order';
import { HostStateBadge } from './HostStateBadge';
import type { RunHost } from './types';

/** Every row is this tall: the grid draws only the rows in view. */
const ROW_HEIGHT = 32;

const COLUMNS: readonly { readonly key: HostSortKey; readonly label: string }[] = [
  { key: 'target', label: 'Host' },
  { key: 'status', label: 'State' },
  { key: 'exitCode', label: 'Exit' },
  { key: 'duration', label: 'Duration' },
];

interface HostRowProps {
  readonly runId: string;
  readonly host: RunHost;
  readonly label: string;
  readonly index: number;
  readonly selected: boolean;
  /** Milliseconds it has been running, for a host still running. */
  readonly running: number | null;
}

const HostRow = memo(function HostRow({
  runId,
  host,
  label,
  index,
  selected,
  running,
}: HostRowProps) {
  const duration = host.execTime ?? running;
  return (
    <div
      className={`host-row host-row--${host.status}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)` }}
      data-target={host.target}
      data-status={host.status}
      title={host.error?.message}
    >
      <span className="host-row__target" role="gridcell">
        <a href={routeHref({ name: 'run', id: runId, host: host.target })}>{label}</a>
      </span>
      <span role="gridcell">
        <HostStateBadge status={host.status} />
      </span>
      <span
        className={`host-row__exit${host.exitCode !== null && host.exitCode !== 0 ? ' host-row__exit--bad' : ''}`}
        role="gridcell"
      >
        {host.exitCode ?? (host.signal === null ? '' : host.signal)}
      </span>
      <span
        className={`host-row__duration${host.execTime === null ? ' host-row__duration--live' : ''}`}
        role="gridcell"
      >
        {duration === null ? '' : formatDuration(duration)}
      </span>
    </div>
  );
});

interface HostGridProps {
  readonly runId: string;
  /** In the order shown. */
  readonly hosts: readonly RunHost[];
  readonly sort: HostSort;
  readonly onSort: (sort: HostSort) => void;
  readonly selected: string | null;
  readonly targetLabel: (id: string) => string;
  readonly now: number;
}

/**
 * Every host of the run: state, exit code, duration. Sortable by each column (failures first by
 * default), and virtualised, so a thousand hosts cost the thirty rows in view; a host's row
 * changes only when the host does.
 */
export function HostGrid({
  runId,
  hosts,
  sort,
  onSort,
  selected,
  targetLabel,
  now,
}: HostGridProps) {
  const { measure, onScroll, rows: visible } = useVirtualRows(hosts.length, ROW_HEIGHT);
  const rows = [];
  for (let i = visible.start; i < visible.end; i += 1) {
    const host = hosts[i];
    if (host === undefined) continue;
    rows.push(
      <HostRow
        key={host.target}
        runId={runId}
        host={host}
        label={targetLabel(host.target)}
        index={i}
        selected={host.target === selected}
        running={
          host.status === 'running' && host.startedAt !== null
            ? Math.max(0, now - host.startedAt)
            : null
        }
      />,
    );
  }
  return (
    <div
      className="host-grid"
      role="grid"
      aria-label="Hosts"
      aria-rowcount={hosts.length + 1}
      aria-colcount={COLUMNS.length}
      aria-readonly="true"
    >
      <div className="host-grid__head" role="row" aria-rowindex={1}>
        {COLUMNS.map((column) => {
          const active = sort.key === column.key;
          return (
            <span
              key={column.key}
              role="columnheader"
              aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}
            >
              <button
                type="button"
                className="host-grid__sort"
                onClick={() => onSort(nextSort(sort, column.key))}
                title={
                  column.key === 'status'
                    ? 'Sort by state: failures first, successes last'
                    : `Sort by ${column.label.toLowerCase()}`
                }
              >
                {column.label}
                <span className="host-grid__arrow" aria-hidden="true">
                  {active ? (sort.descending ? '▼' : '▲') : ''}
                </span>
              </button>
            </span>
          );
        })}
      </div>
      <div
        ref={measure}
        onScroll={onScroll}
        className="host-grid__scroller"
        data-rows={hosts.length}
        tabIndex={-1}
      >
        <div className="host-grid__spacer" role="rowgroup" style={{ height: visible.height }}>
          {rows}
        </div>
        {hosts.length === 0 && <p className="host-grid__empty">No hosts in this state.</p>}
      </div>
    </div>
  );
}
