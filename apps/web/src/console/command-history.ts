/** Position while walking the history with Up and Down; -1 is the line being typed. */
export interface HistoryCursor {
  readonly index: number;
  /** What was typed before walking started, given back when walking past the newest entry. */
  readonly draft: string;
}

export const AT_DRAFT: HistoryCursor = { index: -1, draft: '' };

/**
 * One step through the history (newest first). Returns the new cursor and the line to show, or
 * null at either end.
 */
export function stepHistory(
  entries: readonly string[],
  cursor: HistoryCursor,
  current: string,
  direction: 'older' | 'newer',
): { cursor: HistoryCursor; value: string } | null {
  if (direction === 'older') {
    const index = cursor.index + 1;
    const value = entries[index];
    if (value === undefined) return null;
    return { cursor: { index, draft: cursor.index === -1 ? current : cursor.draft }, value };
  }
  if (cursor.index === -1) return null;
  const index = cursor.index - 1;
  return {
    cursor: { index, draft: cursor.draft },
    value: index === -1 ? cursor.draft : (entries[index] ?? ''),
  };
}

/** Newest first, each command once (at its latest use). */
export function uniqueCommands(inputs: Iterable<string>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const input of inputs) {
    const line = input.trim();
    if (line === '' || seen.has(line)) continue;
    seen.add(line);
    out.push(line);
  }
  return out;
}
