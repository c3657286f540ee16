import {
  type CSSProperties,
  type ReactNode,
  memo,
  useCallback,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { LINE_TIME_CHARS, type LineTimesMode, lineTime } from './line-times';
import type { OutputBuffer, StreamName } from './output-buffer';
import {
  BOLD,
  DIM,
  HIDDEN,
  INVERSE,
  ITALIC,
  STRIKE,
  type SgrState,
  UNDERLINE,
  cssColour,
  isDefaultSgr,
  segmentLine,
} from './sgr';

/** Every row is this tall: the position of any row is known without measuring anything. */
export const ROW_HEIGHT = 20;
/**
 * Browsers cap an element's height (Firefox near 17.9 million px): beyond this the scroll range
 * is scaled, so millions of lines stay reachable with the scrollbar.
 */
const MAX_SCROLL_HEIGHT = 8_000_000;
/** Rows drawn beyond each edge, so fast scrolling shows no blank band. */
const OVERSCAN = 12;

function segmentStyle(state: SgrState): CSSProperties | undefined {
  if (isDefaultSgr(state)) return undefined;
  const style: CSSProperties = {};
  let fg = cssColour(state.fg);
  let bg = cssColour(state.bg);
  if ((state.flags & INVERSE) !== 0) {
    [fg, bg] = [bg ?? 'var(--term-bg)', fg ?? 'var(--row-fg)'];
  }
  if (fg !== undefined) style.color = fg;
  if (bg !== undefined) style.backgroundColor = bg;
  if ((state.flags & BOLD) !== 0) style.fontWeight = 700;
  if ((state.flags & DIM) !== 0) style.opacity = 0.7;
  if ((state.flags & ITALIC) !== 0) style.fontStyle = 'italic';
  const lines = [
    (state.flags & UNDERLINE) !== 0 ? 'underline' : '',
    (state.flags & STRIKE) !== 0 ? 'line-through' : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (lines !== '') style.textDecorationLine = lines;
  if ((state.flags & HIDDEN) !== 0) style.color = 'transparent';
  return style;
}

/** Control characters other than tab, shown as their Unicode pictures (NUL as ␀). */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) =>
    c === '\x7f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0)),
  );
}

interface RowProps {
  readonly index: number;
  readonly text: string;
  readonly state: SgrState;
  readonly stream: StreamName;
  readonly line: number | null;
  /** What the time column shows; undefined while it is hidden. */
  readonly time: string | undefined;
}

const TerminalRow = memo(function TerminalRow({
  index,
  text,
  state,
  stream,
  line,
  time,
}: RowProps) {
  const { segments } = segmentLine(text, state);
  return (
    <div
      className={stream === 'stderr' ? 'term-row term-row--stderr' : 'term-row'}
      data-line={line ?? '↪'}
      data-row={index}
      data-time={time}
    >
      {segments.map((segment, i) => {
        const style = segmentStyle(segment.state);
        const content = visible(segment.text);
        return style === undefined ? (
          content
        ) : (
          <span key={i} style={style}>
            {content}
          </span>
        );
      })}
    </div>
  );
});

interface TerminalViewProps {
  readonly buffer: OutputBuffer;
  /** Changes whenever the buffer does (at most once per frame). */
  readonly version: number;
  readonly label: string;
  /** Shown while there is no output. */
  readonly placeholder?: ReactNode;
  /** Whether and how each line's arrival time is shown, in a column before its number. */
  readonly lineTimes?: LineTimesMode;
  /** The execution's start, for times since the start. */
  readonly startedAt?: number | null;
}

/**
 * The output, virtualised: only the rows in view (plus a few) are in the DOM, at fixed height,
 * so a page with millions of lines costs the same to draw as one with fifty. Follows new output
 * while scrolled to the bottom; scrolling up stops that, and "Jump to latest" resumes it.
 */
export function TerminalView({
  buffer,
  version,
  label,
  placeholder,
  lineTimes = 'off',
  startedAt = null,
}: TerminalViewProps) {
  const scrollerRef = useRef<HTMLDivElement>(null);
  const [height, setHeight] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [follow, setFollowState] = useState(true);
  // Read by the scroll handling between renders; the state above drives rendering.
  const followRef = useRef(true);
  const lastScrollTop = useRef(0);

  const setFollow = useCallback((value: boolean) => {
    followRef.current = value;
    setFollowState(value);
  }, []);

  // Content pixels per scrollbar pixel: 1, or more once the range is scaled (see below).
  const scaleRef = useRef(1);

  const measure = useCallback(
    (element: HTMLDivElement | null) => {
      scrollerRef.current = element;
      if (element === null) return;
      setHeight(element.clientHeight);
      const observer = new ResizeObserver(() => setHeight(element.clientHeight));
      observer.observe(element);
      // In a scaled range the browser's own steps would skip dozens of lines per wheel notch or
      // arrow key: scroll by content pixels instead.
      const scrollBy = (pixels: number): void => {
        element.scrollTop += pixels / scaleRef.current;
      };
      const onWheel = (event: globalThis.WheelEvent): void => {
        // Stop following before the browser scrolls, so new output cannot pull the view back.
        if (event.deltaY < 0 && followRef.current) setFollow(false);
        if (scaleRef.current <= 1 || event.ctrlKey) return;
        event.preventDefault();
        const unit =
          event.deltaMode === 1 ? ROW_HEIGHT : event.deltaMode === 2 ? element.clientHeight : 1;
        scrollBy(event.deltaY * unit);
        element.scrollLeft += event.deltaX * unit;
      };
      const onKeyDown = (event: KeyboardEvent): void => {
        if (scaleRef.current <= 1 || event.altKey || event.ctrlKey || event.metaKey) return;
        const page = element.clientHeight - ROW_HEIGHT;
        const step = { ArrowDown: ROW_HEIGHT, ArrowUp: -ROW_HEIGHT, PageDown: page, PageUp: -page }[
          event.key
        ];
        if (step === undefined) return;
        event.preventDefault();
        if (step < 0 && followRef.current) setFollow(false);
        scrollBy(step);
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
    [setFollow],
  );

  const rowCount = buffer.rowCount;
  const contentHeight = rowCount * ROW_HEIGHT;
  const spacerHeight = Math.min(contentHeight, MAX_SCROLL_HEIGHT);
  const maxScroll = Math.max(0, spacerHeight - height);
  const top = follow ? maxScroll : Math.min(scrollTop, maxScroll);
  const virtualTop =
    spacerHeight === contentHeight || maxScroll === 0
      ? top
      : (top / maxScroll) * (contentHeight - height);
  const first = Math.floor(virtualTop / ROW_HEIGHT);
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(rowCount, first + Math.ceil(height / ROW_HEIGHT) + 1 + OVERSCAN);
  const windowTop = top - (virtualTop - start * ROW_HEIGHT);
  const scale = maxScroll === 0 ? 1 : (contentHeight - height) / maxScroll;
  useLayoutEffect(() => {
    scaleRef.current = scale;
  }, [scale]);

  const rows: ReactNode[] = [];
  for (let i = start; i < end; i += 1) {
    const row = buffer.row(i);
    rows.push(
      <TerminalRow
        key={i}
        index={i}
        text={row.text}
        state={row.state}
        stream={row.stream}
        line={row.line}
        time={lineTimes === 'off' ? undefined : lineTime(row.at, row.line, lineTimes, startedAt)}
      />,
    );
  }

  useLayoutEffect(() => {
    const element = scrollerRef.current;
    if (element === null || !followRef.current) return;
    const bottom = element.scrollHeight - element.clientHeight;
    if (Math.abs(element.scrollTop - bottom) > 1) element.scrollTop = bottom;
  }, [version, follow, height, spacerHeight]);

  const onScroll = useCallback(() => {
    const element = scrollerRef.current;
    if (element === null) return;
    const now = element.scrollTop;
    const atBottom = now >= element.scrollHeight - element.clientHeight - 4;
    if (atBottom) {
      if (!followRef.current) setFollow(true);
    } else if (now < lastScrollTop.current - 1 && followRef.current) {
      setFollow(false);
    }
    lastScrollTop.current = now;
    setScrollTop(now);
  }, [setFollow]);

  const jumpToLatest = (): void => {
    setFollow(true);
    scrollerRef.current?.focus();
  };

  const digits = Math.max(4, String(rowCount).length);
  const timeChars = lineTimes === 'off' ? 0 : LINE_TIME_CHARS + 1;
  const scrollable = contentHeight > height;

  return (
    <div
      className={lineTimes === 'off' ? 'terminal' : 'terminal terminal--times'}
      style={{ '--gutter-chars': digits, '--time-chars': LINE_TIME_CHARS } as CSSProperties}
    >
      <div
        ref={measure}
        className="terminal__scroller"
        role="log"
        aria-live="off"
        aria-label={label}
        tabIndex={0}
        onScroll={onScroll}
        data-rows={rowCount}
      >
        <div
          className="terminal__spacer"
          style={{
            height: spacerHeight,
            width: `calc(${buffer.widestRow}ch + ${digits + 3 + timeChars}ch + 2rem)`,
          }}
        >
          <div className="terminal__window" style={{ transform: `translateY(${windowTop}px)` }}>
            {rows}
          </div>
        </div>
        {rowCount === 0 && placeholder !== undefined && (
          <div className="terminal__placeholder">{placeholder}</div>
        )}
      </div>
      {!follow && scrollable && (
        <button type="button" className="terminal__jump" onClick={jumpToLatest}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
