import type { ExecutionListItem, TargetView } from '../api/types.js';
import { Fragment, useId } from 'react';
import { StatusBadge } from '../execution/StatusBadge';
import { formatBytes, formatCount, formatDuration } from '../execution/status';
import { Timestamp } from '../execution/Timestamp';
import { routeHref } from '../shared/route';
import { formatRelative } from './relative-time';
import { useRovingGrid } from './roving-grid';
import type { SavedCommand } from './saved-commands';

type RovingGrid = ReturnType<typeof useRovingGrid>;

/** `12 lines · 3.4 KiB`: how much an ended execution printed. */
function outputSize(item: ExecutionListItem): string | null {
  if (item.status === 'running' || item.status === 'refused') return null;
  if (item.outputBytes === 0) return 'no output';
  const size = formatBytes(item.outputBytes);
  if (item.outputLines === null) return size;
  return `${formatCount(item.outputLines)} ${item.outputLines === 1 ? 'line' : 'lines'} · ${size}`;
}

/** The controls of one entry: open it, run it again, save it. */
export const ENTRY_COLUMNS = 3;

export function HistoryItem({
  item,
  row,
  grid,
  selected,
  showUser,
  target,
  targetLabel,
  now,
  saved,
  onRerun,
  onToggleSaved,
}: {
  item: ExecutionListItem;
  row: number;
  grid: RovingGrid;
  selected: boolean;
  showUser: boolean;
  target: TargetView | undefined;
  targetLabel: (id: string) => string;
  now: number;
  saved: boolean;
  onRerun: (command: string, target: string) => void;
  onToggleSaved: (command: string, target: string) => void;
}) {
  const size = outputSize(item);
  const on = `${item.input} on ${targetLabel(item.target)}`;
  return (
    <li className="history-entry">
      <a
        className="history-item"
        href={routeHref({ name: 'execution', id: item.id })}
        aria-current={selected ? 'page' : undefined}
        data-execution-id={item.id}
        {...grid.cell(row, 0)}
      >
        <span className="history-item__top">
          <StatusBadge status={item.status} exitCode={item.exitCode} compact />
          <code className="history-item__command">{item.input}</code>
        </span>
        <span className="history-item__meta">
          <span className="history-item__target" data-testid="entry-target">
            {targetLabel(item.target)}
            {target?.host != null && <> · {target.host}</>}
          </span>
          {showUser && <> · {item.username}</>} ·{' '}
          <Timestamp at={item.createdAt}>{formatRelative(item.createdAt, now)}</Timestamp>
          {item.durationMs !== null && item.status !== 'refused' && (
            <> · {formatDuration(item.durationMs)}</>
          )}
          {size !== null && (
            <>
              {' '}
              · <span data-testid="entry-size">{size}</span>
            </>
          )}
          {item.exitCode !== null && item.exitCode !== 0 && <> · exit {item.exitCode}</>}
        </span>
        {item.reason !== null && <span className="history-item__reason">{item.reason}</span>}
        {item.snippet != null && item.snippet.length > 0 && (
          <span className="history-item__snippet" data-testid="search-snippet">
            {/* Plain text pieces (never HTML): the server marks which ones matched. */}
            {item.snippet.map((part, i) =>
              part.match ? (
                <mark key={i}>{part.text}</mark>
              ) : (
                <Fragment key={i}>{part.text}</Fragment>
              ),
            )}
          </span>
        )}
      </a>
      <span className="history-entry__actions">
        <button
          type="button"
          className="icon-button"
          aria-label={`Run again: ${on}`}
          title="Run again"
          onClick={() => onRerun(item.input, item.target)}
          {...grid.cell(row, 1)}
        >
          <span aria-hidden="true">↻</span>
        </button>
        <button
          type="button"
          className="icon-button icon-button--save"
          aria-label={`Save: ${on}`}
          aria-pressed={saved}
          title={saved ? 'Saved (click to remove)' : 'Save this command'}
          onClick={() => onToggleSaved(item.input, item.target)}
          {...grid.cell(row, 2)}
        >
          <span aria-hidden="true">{saved ? '★' : '☆'}</span>
        </button>
      </span>
    </li>
  );
}

/** The user's saved commands: each one click from running again, on its target. */
export function SavedCommands({
  saved,
  targetLabel,
  onRun,
  onRemove,
}: {
  saved: readonly SavedCommand[];
  targetLabel: (id: string) => string;
  onRun: (command: string, target: string) => void;
  onRemove: (command: string, target: string) => void;
}) {
  const ids = useId();
  const grid = useRovingGrid(
    saved.map((s) => `${s.target}\n${s.command}`),
    2,
  );
  if (saved.length === 0) return null;
  return (
    <section className="saved" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`} className="saved__title">
        Saved
      </h3>
      <ul
        className="saved__list"
        aria-label="Saved commands"
        onKeyDown={grid.onKeyDown}
        onFocus={grid.onFocus}
      >
        {saved.map((entry, row) => (
          <li key={`${entry.target}\n${entry.command}`} className="saved__entry">
            <button
              type="button"
              className="saved__run"
              onClick={() => onRun(entry.command, entry.target)}
              {...grid.cell(row, 0)}
            >
              {/* Read as "Run COMMAND on TARGET"; seen as the command over its target. */}
              <span className="visually-hidden">Run </span>
              <code className="saved__command">{entry.command}</code>
              <span className="visually-hidden"> on </span>
              <span className="saved__target">{targetLabel(entry.target)}</span>
            </button>
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove ${entry.command} on ${targetLabel(entry.target)} from saved`}
              title="Remove from saved"
              onClick={() => onRemove(entry.command, entry.target)}
              {...grid.cell(row, 1)}
            >
              <span aria-hidden="true">✕</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
