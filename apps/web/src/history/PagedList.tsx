import type { ReactNode } from 'react';
import { errorMessage } from '../api/errors';

/** What the history lists read from an infinite query: its phase and whether more pages wait. */
interface PagedQuery {
  readonly isPending: boolean;
  readonly isError: boolean;
  readonly error: unknown;
  readonly hasNextPage: boolean;
  readonly isFetchingNextPage: boolean;
  readonly fetchNextPage: () => Promise<unknown>;
}

/**
 * A history list's body: loading, the error (announced), the `empty` text when the query
 * returned nothing, or else the list itself.
 */
export function PagedListBody({
  list,
  isEmpty,
  empty,
  children,
}: {
  readonly list: PagedQuery;
  readonly isEmpty: boolean;
  readonly empty: ReactNode;
  readonly children: ReactNode;
}) {
  if (list.isPending) return <p className="history__empty">Loading…</p>;
  if (list.isError) {
    return (
      <p className="history__empty notice--error" role="alert">
        {errorMessage(list.error)}
      </p>
    );
  }
  if (isEmpty) return <p className="history__empty">{empty}</p>;
  return children;
}

/** `Load more` under a history list, while the server has another page. */
export function LoadMoreButton({ list }: { readonly list: PagedQuery }) {
  if (!list.hasNextPage) return null;
  return (
    <button
      type="button"
      className="button history__more"
      onClick={() => void list.fetchNextPage()}
      disabled={list.isFetchingNextPage}
    >
      {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
    </button>
  );
}
