import type { ExecutionListItem, ExecutionState, TargetView } from '../api/types.js';
import { Fragment, useId, useMemo, useState } from 'react';
import { errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { useNow } from '../shared/clock';
import { type Route, routeHref } from '../shared/route';
import { useDebounced } from '../shared/use-debounced';
import { StatusBadge } from '../execution/StatusBadge';
import {
  EXECUTION_STATES,
  STATUS_LABELS,
  formatBytes,
  formatCount,
  formatDuration,
  formatFull,
  isExecutionState,
} from '../execution/status';
import { useSignedIn } from '../session/session-context';
import { formatRelative } from './relative-time';
import { useRovingGrid } from './roving-grid';
import { RunHistory } from './RunHistory';
import { type SavedCommand, isSaved, useSavedCommands } from './saved-commands';

type RovingGrid = ReturnType<typeof useRovingGrid>;

const PAGE_SIZE = 25;

interface HistoryPanelProps {
  /** What is open, to mark it in the lists. */
  readonly selected: Route;
  readonly targets: readonly TargetView[] | undefined;
  readonly targetLabel: (id: string) => string;
  /** Runs a past command again on its target (from the prompt, as if typed there). */
  readonly onRerun: (command: string, target: string) => void;
}

/** `12 lines · 3.4 KiB`: how much an ended execution printed. */
function outputSize(item: ExecutionListItem): string | null {
  if (item.status === 'running' || item.status === 'refused') return null;
  if (item.outputBytes === 0) return 'no output';
  const size = formatBytes(item.outputBytes);
  if (item.outputLines === null) return size;
  return `${formatCount(item.outputLines)} ${item.outputLines === 1 ? 'line' : 'lines'} · ${size}`;
}

/** The controls of one entry: open it, run it again, save it. */
const ENTRY_COLUMNS = 3;

function HistoryItem({
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
          <time
            dateTime={new Date(item.createdAt).toISOString()}
            title={formatFull(item.createdAt)}
          >
            {formatRelative(item.createdAt, now)}
          </time>
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
function SavedCommands({
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

/** What the search box looks through, as the server is configured. */
function searchScopeText(outputBytes: number | undefined): string {
  if (outputBytes === undefined) return 'Searches commands and output.';
  return outputBytes === 0
    ? 'Searches commands only: output search is off on this server.'
    : `Searches commands and the first ${formatBytes(outputBytes)} of each output (whole words).`;
}

/**
 * Past executions, newest first: the user's own, or everyone's for roles that may see all.
 * Filter by text (in the command or the output), target and status; refused attempts are listed
 * with their reason.
 */
function ExecutionHistory({
  selectedId,
  targets,
  targetLabel,
  onRerun,
}: {
  selectedId: string | null;
  targets: readonly TargetView[] | undefined;
  targetLabel: (id: string) => string;
  onRerun: (command: string, target: string) => void;
}) {
  const session = useSignedIn();
  const now = useNow();
  const ids = useId();
  const { saved, toggle } = useSavedCommands(session.user.username);
  const byId = useMemo(() => new Map(targets?.map((t) => [t.id, t])), [targets]);
  // Drawn once per list of targets, not with every tick of the clock: a fleet has thousands.
  const targetOptions = useMemo(
    () =>
      targets?.map((t) => (
        <option key={t.id} value={t.id}>
          {t.label}
        </option>
      )),
    [targets],
  );
  const [search, setSearch] = useState('');
  const [target, setTarget] = useState('');
  const [status, setStatus] = useState<ExecutionState | ''>('');
  const [user, setUser] = useState('');
  const settledSearch = useDebounced(search.trim(), 250);
  const settledUser = useDebounced(user.trim(), 250);
  const scope = trpc.exec.searchScope.useQuery(undefined, { staleTime: Infinity });
  const query = {
    limit: PAGE_SIZE,
    text: settledSearch || undefined,
    target: target || undefined,
    status: status || undefined,
    username: settledUser || undefined,
    // A fleet run's hosts are listed under Runs, as one run each.
    excludeRuns: true,
  };
  const list = trpc.exec.list.useInfiniteQuery(query, {
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    // While something listed is running, keep its status fresh.
    refetchInterval: (q) =>
      q.state.data?.pages.some((page) => page.items.some((item) => item.status === 'running')) ===
      true
        ? 3_000
        : false,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const grid = useRovingGrid(
    items.map((item) => item.id),
    ENTRY_COLUMNS,
  );
  const filtered =
    query.text !== undefined || target !== '' || status !== '' || query.username !== undefined;
  const viewAll = session.user.viewAll;

  return (
    <>
      <form className="history__filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label className="field field--wide">
          <span className="field__label">Search</span>
          <input
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="Command or output"
            maxLength={256}
            aria-describedby={`${ids}-scope`}
          />
        </label>
        <p id={`${ids}-scope`} className="field__hint field--wide" data-testid="search-scope">
          {searchScopeText(scope.data?.outputBytes)}
        </p>
        <label className="field">
          <span className="field__label">Target</span>
          <select value={target} onChange={(event) => setTarget(event.target.value)}>
            <option value="">All</option>
            {targetOptions}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Status</span>
          <select
            value={status}
            onChange={(event) => {
              const value = event.target.value;
              setStatus(isExecutionState(value) ? value : '');
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
              value={user}
              onChange={(event) => setUser(event.target.value)}
              placeholder="Everyone"
              maxLength={64}
            />
          </label>
        )}
      </form>
      <div className="history__body">
        <SavedCommands saved={saved} targetLabel={targetLabel} onRun={onRerun} onRemove={toggle} />
        {list.isPending ? (
          <p className="history__empty">Loading…</p>
        ) : list.isError ? (
          <p className="history__empty notice--error" role="alert">
            {errorMessage(list.error)}
          </p>
        ) : items.length === 0 ? (
          <p className="history__empty">
            {filtered ? 'Nothing matches these filters.' : 'No commands run yet.'}
          </p>
        ) : (
          <ul
            className="history__list"
            aria-label="Executions"
            aria-describedby={`${ids}-keys`}
            onKeyDown={grid.onKeyDown}
            onFocus={grid.onFocus}
          >
            {items.map((item, row) => (
              <HistoryItem
                key={item.id}
                item={item}
                row={row}
                grid={grid}
                selected={item.id === selectedId}
                showUser={viewAll && item.username !== session.user.username}
                target={byId.get(item.target)}
                targetLabel={targetLabel}
                now={now}
                saved={isSaved(saved, item.input, item.target)}
                onRerun={onRerun}
                onToggleSaved={toggle}
              />
            ))}
          </ul>
        )}
        <p id={`${ids}-keys`} className="visually-hidden">
          Up and Down move between commands, Left and Right between opening one, running it again
          and saving it; Home and End go to the first and the last.
        </p>
        {list.hasNextPage && (
          <button
            type="button"
            className="button history__more"
            onClick={() => void list.fetchNextPage()}
            disabled={list.isFetchingNextPage}
          >
            {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </>
  );
}

/**
 * The history beside the console: single commands, or fleet runs. Opening a run or a command
 * shows it in the main view.
 */
export function HistoryPanel({ selected, targets, targetLabel, onRerun }: HistoryPanelProps) {
  const session = useSignedIn();
  const ids = useId();
  const [tab, setTab] = useState<'commands' | 'runs'>(() =>
    selected.name === 'run' ? 'runs' : 'commands',
  );
  const tabs = [
    { id: 'commands', label: 'Commands' },
    { id: 'runs', label: 'Runs' },
  ] as const;
  return (
    <aside className="history" aria-labelledby={`${ids}-title`}>
      <div className="history__head">
        <h2 id={`${ids}-title`} className="history__title">
          History
        </h2>
        <span className="history__scope">{session.user.viewAll ? 'all users' : 'yours'}</span>
        <div className="history__tabs" role="tablist" aria-label="What to list">
          {tabs.map((t) => (
            <button
              key={t.id}
              id={`${ids}-${t.id}`}
              type="button"
              role="tab"
              className="history__tab"
              aria-selected={tab === t.id}
              aria-controls={`${ids}-panel`}
              // One stop for Tab; the arrow keys move between the tabs.
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => setTab(t.id)}
              onKeyDown={(event) => {
                if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
                event.preventDefault();
                const next = tab === 'commands' ? 'runs' : 'commands';
                setTab(next);
                document.getElementById(`${ids}-${next}`)?.focus();
              }}
            >
              {t.label}
            </button>
          ))}
        </div>
      </div>
      <div
        id={`${ids}-panel`}
        className="history__panel"
        role="tabpanel"
        aria-labelledby={`${ids}-${tab}`}
      >
        {tab === 'commands' ? (
          <ExecutionHistory
            selectedId={selected.name === 'execution' ? selected.id : null}
            targets={targets}
            targetLabel={targetLabel}
            onRerun={onRerun}
          />
        ) : (
          <RunHistory selectedId={selected.name === 'run' ? selected.id : null} />
        )}
      </div>
    </aside>
  );
}
