import {
  type CSSProperties,
  type MouseEvent as ReactMouseEvent,
  type ReactNode,
  useCallback,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { extendLineRange } from '../shared/line-range';
import { LINE_TIME_CHARS, lineTime } from './line-times';
import { type RowLayout, WrapLayout, allRows, flatLayout } from './row-layout';
import { type FindMarks, TerminalRow } from './TerminalRow';
import type { TerminalViewProps } from './terminal-types';
import { useSelectAll } from './use-select-all';
import { useTerminalHandle } from './use-terminal-handle';
import {
  type Anchor,
  type Geometry,
  OVERSCAN,
  ROW_HEIGHT,
  anchorAt,
  geometryOf,
  keyStep,
  wheelUnit,
} from './terminal-geometry';

export { ROW_HEIGHT, type FindMarks };
export type { TerminalHandle, TerminalViewProps } from './terminal-types';

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
  const scrollerRef = useRef<HTMLDivElement | null>(null);
  const spacerRef = useRef<HTMLDivElement>(null);
  const probeRef = useRef<HTMLSpanElement>(null);
  const [height, setHeight] = useState(0);
  const [width, setWidth] = useState(0);
  /** Pixels of one cell of the monospace font. */
  const [cell, setCell] = useState(0);
  const [anchor, setAnchorState] = useState<Anchor>({ row: 0, offset: 0 });

  const everyRow = useMemo(() => allRows(buffer), [buffer]);
  const list = listProp ?? everyRow;

  const digits = Math.max(4, String(buffer.rowCount).length);
  const timeChars = lineTimes === 'off' ? 0 : LINE_TIME_CHARS + 1;
  // Cells before a row's text (the gutter), as the stylesheet lays them out.
  const indent = digits + 2 + timeChars;
  const columns = cell > 0 ? Math.max(8, Math.floor(width / cell - indent - 0.5)) : 0;
  const wrapping = wrap && columns > 0 && buffer.widestRow > columns;
  const wrapLayout = useMemo(
    () => (wrapping ? new WrapLayout((item) => buffer.rowWidth(list.rowAt(item)), columns) : null),
    [wrapping, buffer, list, columns],
  );
  const layout: RowLayout = wrapLayout?.update(list.count, list.stable) ?? flatLayout(list.count);

  const view = geometryOf(list, layout, height, anchor, following);
  const { spacer, maxScroll, scale, top, start, startLine, windowTop } = view;

  const selectedRows = useMemo(() => {
    if (selection === null) return null;
    const from = buffer.rowOfLine(selection.from);
    if (from === -1) return null;
    const after = buffer.rowOfLine(selection.to + 1);
    return { from, to: after === -1 ? buffer.rowCount - 1 : after - 1 };
    // The rows of the lines are found again as output arrives.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [buffer, selection, version]);

  const rows: ReactNode[] = [];
  const limit = top + height + OVERSCAN * ROW_HEIGHT;
  for (let item = start, y = startLine * ROW_HEIGHT; item < list.count && y < limit; item += 1) {
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

  // The handlers below run between renders: they read what the last one drew from here.
  const geometry = useRef<Geometry | null>(null);
  /** The scrollTop this view set last: the scroll event that follows is not the user's. */
  const ownScrollTop = useRef(Number.NaN);
  /** The next render must put the scrollbar where the view is (a jump, a new layout). */
  const syncScroll = useRef(false);

  /** Puts the view's top at content position `at` (clamped), as a row and an offset. */
  const placeAt = useCallback((at: number): void => {
    const g = geometry.current;
    const placed = g === null ? null : anchorAt(g, at);
    if (placed !== null) setAnchorState(placed);
  }, []);

  useLayoutEffect(() => {
    const before = geometry.current;
    geometry.current = view;
    const element = scrollerRef.current;
    if (element === null) return;
    let wanted: number | null = null;
    if (following) {
      // Moved up since this view last put it at the end, with the scroll event still to come
      // (a scrollbar drag while output streams): the user's move wins over following. (Not
      // when the range shrank or the view grew: then the browser moved it.)
      const own = ownScrollTop.current;
      const unclamped = before !== null && before.spacer <= spacer && before.height >= height;
      if (unclamped && element.scrollTop < own - 1) {
        ownScrollTop.current = Number.NaN;
        geometry.current = {
          ...geometry.current,
          top: element.scrollTop * scale,
          following: false,
        };
        placeAt(element.scrollTop * scale);
        onFollowingChange(false);
        return;
      }
      wanted = maxScroll;
    } else if (scale > 1 || syncScroll.current || before?.layout !== layout) {
      // Unscaled, the browser keeps the place itself (and animates its own scrolling).
      wanted = Math.round(top / scale);
    }
    syncScroll.current = false;
    if (wanted !== null && Math.abs(element.scrollTop - wanted) >= 1) {
      element.scrollTop = wanted;
      ownScrollTop.current = element.scrollTop;
    }
  });

  const setFollowing = useCallback(
    (on: boolean): void => {
      const g = geometry.current;
      if (g === null || g.following === on) return;
      // Stopping holds the view where it is (the end), not where it was before following.
      if (!on) placeAt(g.top);
      geometry.current = { ...g, following: on };
      onFollowingChange(on);
    },
    [onFollowingChange, placeAt],
  );

  /** Moves by content pixels: in a scaled range the browser's own steps would skip lines. */
  const scrollByContent = useCallback(
    (pixels: number): void => {
      const g = geometry.current;
      if (g === null) return;
      const target = Math.max(0, Math.min(g.top + pixels, g.maxTop));
      if (pixels > 0 && target >= g.maxTop) {
        setFollowing(true);
        return;
      }
      if (g.following) onFollowingChange(false);
      geometry.current = { ...g, top: target, following: false };
      placeAt(target);
    },
    [onFollowingChange, placeAt, setFollowing],
  );

  const measure = useCallback(
    (element: HTMLDivElement | null) => {
      scrollerRef.current = element;
      if (element === null) return;
      const size = (): void => {
        setHeight(element.clientHeight);
        setWidth(element.clientWidth);
        const probe = probeRef.current;
        if (probe !== null) setCell(probe.getBoundingClientRect().width / 10);
      };
      size();
      const observer = new ResizeObserver(size);
      observer.observe(element);
      // The font may arrive after the first layout, with other cell widths.
      void document.fonts?.ready.then(size);
      const onWheel = (event: globalThis.WheelEvent): void => {
        const g = geometry.current;
        // Stop following before the browser scrolls, so new output cannot pull the view back.
        if (event.deltaY < 0) setFollowing(false);
        if (g === null || g.scale <= 1 || event.ctrlKey) return;
        event.preventDefault();
        const unit = wheelUnit(event.deltaMode, element.clientHeight);
        scrollByContent(event.deltaY * unit);
        element.scrollLeft += event.deltaX * unit;
      };
      const onKeyDown = (event: KeyboardEvent): void => {
        const g = geometry.current;
        if (g === null || g.scale <= 1 || event.altKey || event.ctrlKey || event.metaKey) return;
        if (event.target !== element && event.target instanceof HTMLInputElement) return;
        const step = keyStep(event.key, event.shiftKey, element.clientHeight);
        if (step === undefined) return;
        event.preventDefault();
        scrollByContent(step);
      };
      element.addEventListener('wheel', onWheel, { passive: false });
      element.addEventListener('keydown', onKeyDown);
      return () => {
        observer.disconnect();
        element.removeEventListener('wheel', onWheel);
        element.removeEventListener('keydown', onKeyDown);
        scrollerRef.current = null;
      };
    },
    [scrollByContent, setFollowing],
  );

  const onScroll = useCallback(() => {
    const element = scrollerRef.current;
    const g = geometry.current;
    if (element === null || g === null) return;
    const now = element.scrollTop;
    if (Math.abs(now - ownScrollTop.current) < 0.5) return;
    ownScrollTop.current = Number.NaN;
    if (now >= element.scrollHeight - element.clientHeight - 4) {
      setFollowing(true);
      return;
    }
    // The user moved the scrollbar: the view goes where it points.
    if (g.following) onFollowingChange(false);
    geometry.current = { ...g, top: now * g.scale, following: false };
    placeAt(now * g.scale);
  }, [onFollowingChange, placeAt, setFollowing]);

  useTerminalHandle(handle, {
    geometry,
    syncScroll,
    scrollerRef,
    placeAt,
    setFollowing,
    onFollowingChange,
  });

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
  }, [currentMatch, indent, cell]);

  // Ctrl+A: the whole output, not the page; the selection is the rows drawn, a copy is all rows.
  const selectAll = useSelectAll(spacerRef, buffer, list, everyRow);

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
    setFollowing(true);
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
        onScroll={onScroll}
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
            height: spacer,
            width: wrap
              ? undefined
              : `calc(${buffer.widestRow}ch + ${digits + 3 + timeChars}ch + 2rem)`,
          }}
        >
          <div className="terminal__window" style={{ transform: `translateY(${windowTop}px)` }}>
            {rows}
          </div>
        </div>
        {buffer.rowCount === 0 && placeholder !== undefined && (
          <div className="terminal__placeholder">{placeholder}</div>
        )}
        <span ref={probeRef} className="terminal__probe" aria-hidden="true" />
      </div>
      {!following && view.scrollable && (
        <button type="button" className="terminal__jump" onClick={jumpToLatest}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
