import { type FocusEvent, type KeyboardEvent, useState } from 'react';

export interface GridPosition {
  readonly row: number;
  readonly col: number;
}

/**
 * Where a key moves the focus in a list of `rows` entries with `cols` controls each: Up and Down
 * between entries (the same control), Left and Right between an entry's controls, Home and End
 * to the first and the last entry. Null for a key it does not use.
 */
export function moveInGrid(
  at: GridPosition,
  key: string,
  rows: number,
  cols: number,
): GridPosition | null {
  if (rows === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return { row: Math.min(rows - 1, at.row + 1), col: at.col };
    case 'ArrowUp':
      return { row: Math.max(0, at.row - 1), col: at.col };
    case 'ArrowRight':
      return { row: at.row, col: Math.min(cols - 1, at.col + 1) };
    case 'ArrowLeft':
      return { row: at.row, col: Math.max(0, at.col - 1) };
    case 'Home':
      return { row: 0, col: 0 };
    case 'End':
      return { row: rows - 1, col: 0 };
    default:
      return null;
  }
}

/**
 * A list that is one Tab stop (a roving tabindex): only the entry last focused takes Tab, and
 * the arrow keys move inside (see {@link moveInGrid}). Entries are named by `keys`, so the one
 * focused stays so when newer entries come in above it.
 */
export function useRovingGrid(keys: readonly string[], cols: number) {
  const [active, setActive] = useState<{ key: string; col: number } | null>(null);
  const found = active === null ? -1 : keys.indexOf(active.key);
  const at: GridPosition =
    found === -1 ? { row: 0, col: 0 } : { row: found, col: active?.col ?? 0 };

  /** On the list: the arrow keys, Home and End. */
  const onKeyDown = (event: KeyboardEvent<HTMLElement>): void => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const next = moveInGrid(at, event.key, keys.length, cols);
    if (next === null) return;
    event.preventDefault();
    const key = keys[next.row];
    if (key !== undefined) setActive({ key, col: next.col });
    event.currentTarget
      .querySelector<HTMLElement>(`[data-grid-row="${next.row}"][data-grid-col="${next.col}"]`)
      ?.focus();
  };

  /** On the list: a click or a screen reader moved the focus to a control, the Tab stop now. */
  const onFocus = (event: FocusEvent<HTMLElement>): void => {
    const { gridRow, gridCol } = event.target.dataset;
    const key = keys[Number(gridRow)];
    if (gridRow === undefined || gridCol === undefined || key === undefined) return;
    if (active?.key !== key || active.col !== Number(gridCol)) {
      setActive({ key, col: Number(gridCol) });
    }
  };

  /** The attributes of the control at (row, col). */
  const cell = (row: number, col: number) => ({
    'data-grid-row': row,
    'data-grid-col': col,
    tabIndex: row === at.row && col === at.col ? 0 : -1,
  });

  return { onKeyDown, onFocus, cell };
}
