import { useMemo } from 'react';
import { LINE_TIME_CHARS, type LineTimesMode } from './line-times';
import type { OutputBuffer } from './output-buffer';
import { type RowLayout, type RowList, WrapLayout, flatLayout } from './row-layout';

/** How the rows are laid out: the gutter's cells, the text's columns, each item's lines. */
export interface TerminalLayout {
  /** Digits of the line-number column. */
  readonly digits: number;
  /** Cells of the time column (and its gap); 0 without times. */
  readonly timeChars: number;
  /** Cells before a row's text (the gutter), as the stylesheet lays them out. */
  readonly indent: number;
  /** Cells of text a row has room for; 0 until the cell is measured. */
  readonly columns: number;
  readonly layout: RowLayout;
}

/**
 * Lays the listed rows out in a view `width` pixels wide of `cell`-pixel characters: one line
 * each, or as many as each needs when wrapping and some row is wider than the view.
 */
export function useTerminalLayout(
  buffer: OutputBuffer,
  list: RowList,
  wrap: boolean,
  lineTimes: LineTimesMode,
  width: number,
  cell: number,
): TerminalLayout {
  const digits = Math.max(4, String(buffer.rowCount).length);
  const timeChars = lineTimes === 'off' ? 0 : LINE_TIME_CHARS + 1;
  const indent = digits + 2 + timeChars;
  const columns = cell > 0 ? Math.max(8, Math.floor(width / cell - indent - 0.5)) : 0;
  const wrapping = wrap && columns > 0 && buffer.widestRow > columns;
  const wrapLayout = useMemo(
    () => (wrapping ? new WrapLayout((item) => buffer.rowWidth(list.rowAt(item)), columns) : null),
    [wrapping, buffer, list, columns],
  );
  const layout = wrapLayout?.update(list.count, list.stable) ?? flatLayout(list.count);
  return { digits, timeChars, indent, columns, layout };
}
