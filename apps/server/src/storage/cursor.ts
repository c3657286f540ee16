/**
 * Keyset pagination, newest first, for the tables listed by time (executions, runs): a page ends
 * at its last (created_at, id), and the next page starts after it.
 */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (createdAt === undefined || id === undefined || !/^\d+$/.test(createdAt)) return undefined;
  return { createdAt: Number(createdAt), id };
}

/** A page from `limit + 1` rows fetched newest first: the items, and the next page's cursor. */
export function pageOf<T extends { readonly createdAt: number; readonly id: string }>(
  items: readonly T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor:
      items.length > limit && last !== undefined ? encodeCursor(last.createdAt, last.id) : null,
  };
}
