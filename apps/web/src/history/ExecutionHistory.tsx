import type { TargetView } from '../api/types.js';
import { useId, useMemo, useState } from 'react';
import { trpc } from '../api/trpc';
import { formatBytes } from '../execution/status';
import { useSignedIn } from '../session/session-context';
import { useNow } from '../shared/clock';
import { useDebounced } from '../shared/use-debounced';
import { HistoryFilters } from './HistoryFilters';
import { LoadMoreButton, PagedListBody } from './PagedList';
import { ENTRY_COLUMNS, HistoryItem, SavedCommands } from './HistoryItems';
import { type HistoryFilterValues, NO_FILTERS, historyQuery, isFiltered } from './history-query';
import { useRovingGrid } from './roving-grid';
import { isSaved, useSavedCommands } from './saved-commands';

const PAGE_SIZE = 25;

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
export function ExecutionHistory({
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
  const [filters, setFilters] = useState<HistoryFilterValues>(NO_FILTERS);
  // What is typed settles before it is asked for; the lists are picked at once.
  const settled = {
    ...filters,
    search: useDebounced(filters.search.trim(), 250),
    user: useDebounced(filters.user.trim(), 250),
  };
  const scope = trpc.exec.searchScope.useQuery(undefined, { staleTime: Infinity });
  const query = historyQuery(settled, PAGE_SIZE);
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
  const filtered = isFiltered(query);
  const viewAll = session.user.viewAll;

  return (
    <>
      <HistoryFilters
        filters={filters}
        onChange={setFilters}
        scopeText={searchScopeText(scope.data?.outputBytes)}
        scopeId={`${ids}-scope`}
        targetOptions={targetOptions}
        viewAll={viewAll}
      />
      <div className="history__body">
        <SavedCommands saved={saved} targetLabel={targetLabel} onRun={onRerun} onRemove={toggle} />
        <PagedListBody
          list={list}
          isEmpty={items.length === 0}
          empty={filtered ? 'Nothing matches these filters.' : 'No commands run yet.'}
        >
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
        </PagedListBody>
        <p id={`${ids}-keys`} className="visually-hidden">
          Up and Down move between commands, Left and Right between opening one, running it again
          and saving it; Home and End go to the first and the last.
        </p>
        <LoadMoreButton list={list} />
      </div>
    </>
  );
}
