import { trpc } from '../api/trpc';
import { useNow } from '../shared/clock';
import { routeHref } from '../shared/route';
import { formatCount, formatDuration } from '../execution/status';
import { Timestamp } from '../execution/Timestamp';
import { RUN_STATUS_LABELS, runNames } from '../runs/host-status';
import type { RunListItem } from '../runs/types';
import { LoadMoreButton, PagedListBody } from './PagedList';
import { formatRelative } from './relative-time';
import { useSignedIn } from '../session/session-context';

const PAGE_SIZE = 25;

/** `998 succeeded · 2 failed`: the states a run's hosts ended in, the empty ones left out. */
function outcome(item: RunListItem): string {
  const { summary } = item;
  const parts: [number, string][] = [
    [summary.succeeded, 'succeeded'],
    [summary.failed, 'failed'],
    [summary.refused, 'refused'],
    [summary.cancelled, 'cancelled'],
    [summary.skipped, 'skipped'],
    [summary.running, 'running'],
    [summary.pending, 'pending'],
  ];
  return parts
    .filter(([count]) => count > 0)
    .map(([count, word]) => `${formatCount(count)} ${word}`)
    .join(' · ');
}

function RunItem({
  item,
  selected,
  showUser,
  now,
}: {
  item: RunListItem;
  selected: boolean;
  showUser: boolean;
  now: number;
}) {
  const names = runNames(item);
  return (
    <li>
      <a
        className="history-item"
        href={routeHref({ name: 'run', id: item.id, host: null })}
        aria-current={selected ? 'page' : undefined}
        data-run-id={item.id}
      >
        <span className="history-item__top">
          <span className={`run-status run-status--${item.status} run-status--compact`}>
            {RUN_STATUS_LABELS[item.status]}
          </span>
          <code className="history-item__command">{item.command}</code>
        </span>
        <span className="history-item__meta">
          on <code>{names}</code> · {formatCount(item.total)} {item.total === 1 ? 'host' : 'hosts'}
          {showUser && <> · {item.username}</>} ·{' '}
          <Timestamp at={item.createdAt}>{formatRelative(item.createdAt, now)}</Timestamp>
          {item.finishedAt !== null && <> · {formatDuration(item.finishedAt - item.createdAt)}</>}
        </span>
        <span className="history-item__hosts">{outcome(item)}</span>
      </a>
    </li>
  );
}

/** Fleet runs, newest first: the user's own, or everyone's for roles that may see all. */
export function RunHistory({ selectedId }: { selectedId: string | null }) {
  const session = useSignedIn();
  const now = useNow();
  const list = trpc.runs.list.useInfiniteQuery(
    { limit: PAGE_SIZE },
    {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
      // While something listed is running, keep its counts fresh.
      refetchInterval: (q) =>
        q.state.data?.pages.some((page) => page.items.some((i) => i.status === 'running')) === true
          ? 3_000
          : false,
    },
  );
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="history__body">
      <PagedListBody
        list={list}
        isEmpty={items.length === 0}
        empty={
          <>
            No runs yet. Name several targets, or a selector such as <code>role=web</code>, to run a
            command on all of them.
          </>
        }
      >
        <ul className="history__list" aria-label="Runs">
          {items.map((item) => (
            <RunItem
              key={item.id}
              item={item}
              selected={item.id === selectedId}
              showUser={session.user.viewAll && item.username !== session.user.username}
              now={now}
            />
          ))}
        </ul>
      </PagedListBody>
      <LoadMoreButton list={list} />
    </div>
  );
}
