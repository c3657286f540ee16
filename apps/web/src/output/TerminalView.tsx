import {
  type CSSProperties,
  type MouseEvent as ReactMouseEvent,
  type ReactNode,
  type Ref,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { type LineRange, extendLineRange } from '../shared/line-range';
import { LINE_TIME_CHARS, type LineTimesMode, lineTime } from './line-times';
import type { OutputBuffer } from './output-buffer';
import type { Match } from './output-search';
import { type RowLayout, type RowList, WrapLayout, allRows, flatLayout } from './row-layout';
import { type Anchor, type Geometry, OVERSCAN, ROW_HEIGHT, geometryOf } from './terminal-geometry';
import { type FindMarks, TerminalRow } from './TerminalRow';
import { useSelectAll } from './use-select-all';
import {
  type ScrollerSize,
  type TerminalHandle,
  useScroller,
  useTerminalHandle,
  useTerminalScroll,
} from './use-terminal-scroll';

export { ROW_HEIGHT, type FindMarks, type TerminalHandle };

export interface TerminalViewProps {
  readonly buffer: OutputBuffer;
  /** Changes whenever the buffer (or what is marked) does, at most once per frame. */
  readonly version: number;
  readonly label: string;
  /** Shown while there is no output. */
  readonly placeholder?: ReactNode;
  /** Whether and how each line's arrival time is shown, in a column before its number. */
  readonly lineTimes?: LineTimesMode;
  /** The execution's start, for times since the start. */
  readonly startedAt?: number | null;
  /** The rows to show: all of them unless given (the rows with a match). */
  readonly list?: RowList;
  /** Long rows wrap at the view's width instead of scrolling sideways. */
  readonly wrap?: boolean;
  /** Sticking to the end as output arrives; the view says when that changes. */
  readonly following: boolean;
  readonly onFollowingChange: (following: boolean) => void;
  /** Lines highlighted (from a line link). */
  readonly selection?: LineRange | null;
  /** Where a line's number links to; no links without it. */
  readonly lineHref?: (range: LineRange) => string;
  /** A shift-click on a line number extends the selection to it. */
  readonly onSelectLines?: (range: LineRange) => void;
  readonly marks?: FindMarks | null;
  readonly currentMatch?: Match | null;
  readonly handle?: Ref<TerminalHandle>;
}

interface RowsProps {
  readonly buffer: OutputBuffer;
  readonly g: Geometry;
  readonly lineTimes: LineTimesMode;
  readonly startedAt: number | null;
  readonly lineHref: ((range: LineRange) => string) | undefined;
  readonly selectedRows: { readonly from: number; readonly to: number } | null;
  readonly marks: FindMarks | null;
  readonly currentMatch: Match | null;
}

/** The rows in view and the overscan around them, from the geometry's first item on. */
function visibleRows({
  buffer,
  g,
  lineTimes,
  startedAt,
  lineHref,
  selectedRows,
  marks,
  currentMatch,
}: RowsProps): ReactNode[] {
  const rows: ReactNode[] = [];
  const { list, layout } = g;
  const limit = g.top + g.height + OVERSCAN * ROW_HEIGHT;
  for (
    let item = g.start, y = g.startLine * ROW_HEIGHT;
    item < list.count && y < limit;
    item += 1
  ) {
    const index = list.rowAt(item);
    const row = buffer.row(index);
    const lines = layout.linesOf(item);
    y += lines * ROW_HEIGHT;
    rows.push(
      <TerminalRow
        key={index}
        index={index}
        text={row.text}
        state={row.state}
        stream={row.stream}
        line={row.line}
        time={lineTimes === 'off' ? undefined : lineTime(row.at, row.line, lineTimes, startedAt)}
        lines={lines}
        href={
          row.line === null || lineHref === undefined
            ? undefined
            : lineHref({ from: row.line, to: row.line })
        }
        selected={selectedRows !== null && index >= selectedRows.from && index <= selectedRows.to}
        marks={marks}
        current={currentMatch?.row === index ? currentMatch.start : -1}
      />,
    );
  }
  return rows;
}

/** The rows of a range of lines (from a line link), found again as output arrives. */
function rowsOfLines(
  buffer: OutputBuffer,
  selection: LineRange | null,
): { from: number; to: number } | null {
  if (selection === null) return null;
  const from = buffer.rowOfLine(selection.from);
  if (from === -1) return null;
  const after = buffer.rowOfLine(selection.to + 1);
  return { from, to: after === -1 ? buffer.rowCount - 1 : after - 1 };
}

/**
 * The output, virtualised: only the rows in view (plus a few) are in the DOM, at fixed line
 * height, so a page with millions of lines costs the same to draw as one with fifty. Follows new
 * output while following; scrolling up stops that, and "Jump to latest" resumes it. Where the view
 * is is kept as a row of the output, not a scroll offset: when the scroll range is scaled (past
 * 400,000 lines) or the rows wrap, a scroll offset would point at another line as output arrives.
 */
export function TerminalView({
  buffer,
  version,
  label,
  placeholder,
  lineTimes = 'off',
  startedAt = null,
  list: listProp,
  wrap = false,
  following,
  onFollowingChange,
  selection = null,
  lineHref,
  onSelectLines,
  marks = null,
  currentMatch = null,
  handle,
}: TerminalViewProps) {
  const spacerRef = useRef<HTMLDivElement>(null);
  const probeRef = useRef<HTMLSpanElement>(null);
  const [anchor, setAnchor] = useState<Anchor>({ row: 0, offset: 0 });
  const everyRow = useMemo(() => allRows(buffer), [buffer]);
  const list = listProp ?? everyRow;
  const [size, setSize] = useState<ScrollerSize>({ height: 0, width: 0, cell: 0 });

  const digits = Math.max(4, String(buffer.rowCount).length);
  const timeChars = lineTimes === 'off' ? 0 : LINE_TIME_CHARS + 1;
  // Cells before a row's text (the gutter), as the stylesheet lays them out.
  const indent = digits + 2 + timeChars;
  const { cell } = size;
  const columns = cell > 0 ? Math.max(8, Math.floor(size.width / cell - indent - 0.5)) : 0;
  const wrapping = wrap && columns > 0 && buffer.widestRow > columns;
  const wrapLayout = useMemo(
    () => (wrapping ? new WrapLayout((item) => buffer.rowWidth(list.rowAt(item)), columns) : null),
    [wrapping, buffer, list, columns],
  );
  const layout: RowLayout = wrapLayout?.update(list.count, list.stable) ?? flatLayout(list.count);
  const g = geometryOf(list, layout, size.height, anchor, following);

  // The rows of the lines are found again as output arrives.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const selectedRows = useMemo(() => rowsOfLines(buffer, selection), [buffer, selection, version]);

  const scroll = useTerminalScroll(g, setAnchor, onFollowingChange);
  const measure = useScroller(scroll, probeRef, setSize);
  useTerminalHandle(handle, scroll);
  const selectAll = useSelectAll(spacerRef, buffer, list, everyRow);
  const { scrollerRef } = scroll;
  // A match far along a long row: bring it into view sideways too.
  useLayoutEffect(() => {
    const element = scrollerRef.current;
    const mark = element?.querySelector<HTMLElement>('.term-match--current');
    if (element === null || mark === null || mark === undefined) return;
    const box = mark.getBoundingClientRect();
    const view = element.getBoundingClientRect();
    const gutter = indent * cell;
    if (box.left < view.left + gutter || box.right > view.right) {
      element.scrollLeft += box.left - view.left - gutter - view.width / 3;
    }
  }, [scrollerRef, currentMatch, indent, cell]);

  const onClick = (event: ReactMouseEvent<HTMLDivElement>): void => {
    if (!event.shiftKey || event.button !== 0 || event.ctrlKey || event.metaKey) return;
    const link =
      event.target instanceof Element
        ? event.target.closest<HTMLAnchorElement>('a.term-row__line')
        : null;
    if (link === null || onSelectLines === undefined) return;
    // Shift-click would open a window: it extends the selection instead.
    event.preventDefault();
    onSelectLines(extendLineRange(selection, Number(link.dataset.line)));
  };

  const jumpToLatest = (): void => {
    scroll.setFollowing(true);
    scrollerRef.current?.focus();
  };

  const className = [
    'terminal',
    lineTimes === 'off' ? '' : 'terminal--times',
    wrap ? 'terminal--wrap' : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <div
      className={className}
      style={
        {
          '--gutter-chars': digits,
          '--time-chars': LINE_TIME_CHARS,
          '--wrap-indent': `${indent}ch`,
          '--wrap-cols': columns,
        } as CSSProperties
      }
    >
      <div
        ref={measure}
        className="terminal__scroller"
        role="log"
        aria-live="off"
        aria-label={label}
        tabIndex={0}
        onScroll={scroll.onScroll}
        onKeyDown={selectAll.onKeyDown}
        onMouseDown={selectAll.onMouseDown}
        onCopy={selectAll.onCopy}
        onClick={onClick}
        data-rows={buffer.rowCount}
      >
        <div
          ref={spacerRef}
          className="terminal__spacer"
          style={{
            height: g.spacer,
            width: wrap
              ? undefined
              : `calc(${buffer.widestRow}ch + ${digits + 3 + timeChars}ch + 2rem)`,
          }}
        >
          <div className="terminal__window" style={{ transform: `translateY(${g.windowTop}px)` }}>
            {visibleRows({
              buffer,
              g,
              lineTimes,
              startedAt,
              lineHref,
              selectedRows,
              marks,
              currentMatch,
            })}
          </div>
        </div>
        {buffer.rowCount === 0 && placeholder !== undefined && (
          <div className="terminal__placeholder">{placeholder}</div>
        )}
        <span ref={probeRef} className="terminal__probe" aria-hidden="true" />
      </div>
      {!following && g.scrollable && (
        <button type="button" className="terminal__jump" onClick={jumpToLatest}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
