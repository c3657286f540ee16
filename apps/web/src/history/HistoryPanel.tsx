import type { ExecutionRecord, ExecutionState, TargetView } from '../api/types.js';
import { useEffect, useId, useState } from 'react';
import { errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { useNow } from '../app/clock';
import { routeHref } from '../app/route';
import { StatusBadge } from '../execution/StatusBadge';
import {
  EXECUTION_STATES,
  STATUS_LABELS,
  formatDuration,
  formatFull,
  formatWhen,
  isExecutionState,
} from '../execution/status';
import { useSignedIn } from '../session/session-context';

const PAGE_SIZE = 25;

/** A value that settles `delay` ms after the last change (typing in a search box). */
function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

interface HistoryPanelProps {
  readonly selectedId: string | null;
  readonly targets: readonly TargetView[] | undefined;
  readonly targetLabel: (id: string) => string;
}

function HistoryItem({
  item,
  selected,
  showUser,
  targetLabel,
  now,
}: {
  item: ExecutionRecord;
  selected: boolean;
  showUser: boolean;
  targetLabel: (id: string) => string;
  now: number;
}) {
  return (
    <li>
      <a
        className="history-item"
        href={routeHref({ name: 'execution', id: item.id })}
        aria-current={selected ? 'page' : undefined}
        data-execution-id={item.id}
      >
        <span className="history-item__top">
          <StatusBadge status={item.status} exitCode={item.exitCode} compact />
          <code className="history-item__command">{item.input}</code>
        </span>
        <span className="history-item__meta">
          {targetLabel(item.target)}
          {showUser && <> · {item.username}</>} ·{' '}
          <time
            dateTime={new Date(item.createdAt).toISOString()}
            title={formatFull(item.createdAt)}
          >
            {formatWhen(item.createdAt, now)}
          </time>
          {item.durationMs !== null && item.status !== 'refused' && (
            <> · {formatDuration(item.durationMs)}</>
          )}
          {item.exitCode !== null && item.exitCode !== 0 && <> · exit {item.exitCode}</>}
        </span>
        {item.reason !== null && <span className="history-item__reason">{item.reason}</span>}
      </a>
    </li>
  );
}

/**
 * Past executions, newest first: the user's own, or everyone's for roles that may see all.
 * Filter by text, target and status; refused attempts are listed with their reason.
 */
export function HistoryPanel({ selectedId, targets, targetLabel }: HistoryPanelProps) {
  const session = useSignedIn();
  const now = useNow();
  const ids = useId();
  const [search, setSearch] = useState('');
  const [target, setTarget] = useState('');
  const [status, setStatus] = useState<ExecutionState | ''>('');
  const [user, setUser] = useState('');
  const settledSearch = useDebounced(search.trim(), 250);
  const settledUser = useDebounced(user.trim(), 250);
  const query = {
    limit: PAGE_SIZE,
    search: settledSearch || undefined,
    target: target || undefined,
    status: status || undefined,
    username: settledUser || undefined,
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
  const filtered =
    query.search !== undefined || target !== '' || status !== '' || query.username !== undefined;
  const viewAll = session.user.viewAll;

  return (
    <aside className="history" aria-labelledby={`${ids}-title`}>
      <div className="history__head">
        <h2 id={`${ids}-title`} className="history__title">
          History
        </h2>
        <span className="history__scope">{viewAll ? 'all users' : 'your commands'}</span>
      </div>
      <form className="history__filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label className="field field--wide">
          <span className="field__label">Search</span>
          <input
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="Text in the command"
            maxLength={256}
          />
        </label>
        <label className="field">
          <span className="field__label">Target</span>
          <select value={target} onChange={(event) => setTarget(event.target.value)}>
            <option value="">All</option>
            {targets?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
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
          <ul className="history__list" aria-label="Executions">
            {items.map((item) => (
              <HistoryItem
                key={item.id}
                item={item}
                selected={item.id === selectedId}
                showUser={viewAll && item.username !== session.user.username}
                targetLabel={targetLabel}
                now={now}
              />
            ))}
          </ul>
        )}
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
    </aside>
  );
}
