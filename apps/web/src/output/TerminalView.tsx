import {
  type CSSProperties,
  type MouseEvent as ReactMouseEvent,
  useMemo,
  useRef,
  useState,
} from 'react';
import { type LineRange, extendLineRange } from '../shared/line-range';
import { LINE_TIME_CHARS } from './line-times';
import { allRows } from './row-layout';
import { type FindMarks } from './TerminalRow';
import { TerminalWindow } from './TerminalWindow';
import type { TerminalViewProps } from './terminal-types';
import { useRevealMatch } from './use-reveal-match';
import { useScrollSync } from './use-scroll-sync';
import { useScrollerRef, useScrollerSize } from './use-scroller';
import { useSelectAll } from './use-select-all';
import { useTerminalHandle } from './use-terminal-handle';
import { useTerminalLayout } from './use-terminal-layout';
import { type Anchor, ROW_HEIGHT, geometryOf } from './terminal-geometry';

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
  const size = useScrollerSize();
  const [anchor, setAnchor] = useState<Anchor>({ row: 0, offset: 0 });

  const everyRow = useMemo(() => allRows(buffer), [buffer]);
  const list = listProp ?? everyRow;
  const { digits, timeChars, indent, columns, layout } = useTerminalLayout(
    buffer,
    list,
    wrap,
    lineTimes,
    size.width,
    size.cell,
  );
  const view = geometryOf(list, layout, size.height, anchor, following);

  const sync = useScrollSync(view, scrollerRef, setAnchor, onFollowingChange);
  const measure = useScrollerRef(scrollerRef, probeRef, size.measure, sync);
  const { geometry, syncScroll, placeAt, setFollowing } = sync;
  useTerminalHandle(handle, {
    geometry,
    syncScroll,
    scrollerRef,
    placeAt,
    setFollowing,
    onFollowingChange,
  });
  useRevealMatch(scrollerRef, currentMatch, indent, size.cell);

  // Ctrl+A: the whole output, not the page; the selection is the rows drawn, a copy is all rows.
  const selectAll = useSelectAll(spacerRef, buffer, list, everyRow);

  const onClick = (event: ReactMouseEvent<HTMLDivElement>): void =>
    extendOnShiftClick(event, selection, onSelectLines);

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
        onScroll={sync.onScroll}
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
            height: view.spacer,
            width: wrap
              ? undefined
              : `calc(${buffer.widestRow}ch + ${digits + 3 + timeChars}ch + 2rem)`,
          }}
        >
          <TerminalWindow
            buffer={buffer}
            version={version}
            view={view}
            lineTimes={lineTimes}
            startedAt={startedAt}
            selection={selection}
            lineHref={lineHref}
            marks={marks}
            currentMatch={currentMatch}
          />
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

/** A shift-click on a line's number would open a window: it extends the selection instead. */
function extendOnShiftClick(
  event: ReactMouseEvent<HTMLDivElement>,
  selection: LineRange | null,
  onSelectLines: ((range: LineRange) => void) | undefined,
): void {
  if (!event.shiftKey || event.button !== 0 || event.ctrlKey || event.metaKey) return;
  const link =
    event.target instanceof Element
      ? event.target.closest<HTMLAnchorElement>('a.term-row__line')
      : null;
  if (link === null || onSelectLines === undefined) return;
  event.preventDefault();
  onSelectLines(extendLineRange(selection, Number(link.dataset.line)));
}
