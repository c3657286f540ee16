import { type CSSProperties, memo } from 'react';
import { type MarkKind, markSegments } from './highlight';
import type { StreamName } from './output-buffer';
import { findMatches } from './output-search';
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
import { ROW_HEIGHT } from './terminal-geometry';

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

const MARK_CLASS: Record<Exclude<MarkKind, 'none'>, string> = {
  match: 'term-match',
  current: 'term-match term-match--current',
};

/** What the find bar asks the rows to mark. */
export interface FindMarks {
  readonly pattern: RegExp;
  /** Characters in a match. */
  readonly length: number;
}

interface RowProps {
  readonly index: number;
  readonly text: string;
  readonly state: SgrState;
  readonly stream: StreamName;
  readonly line: number | null;
  /** What the time column shows; undefined while it is hidden. */
  readonly time: string | undefined;
  /** Lines the row takes (more than one when it wraps). */
  readonly lines: number;
  /** Where the line number links to. */
  readonly href: string | undefined;
  readonly selected: boolean;
  readonly marks: FindMarks | null;
  /** Where the current match starts in this row, or -1. */
  readonly current: number;
}

/** One row of output: its line number link, then its text in its colours, matches marked. */
export const TerminalRow = memo(function TerminalRow({
  index,
  text,
  state,
  stream,
  line,
  time,
  lines,
  href,
  selected,
  marks,
  current,
}: RowProps) {
  const { segments } = segmentLine(text, state);
  const marked = markSegments(
    segments,
    marks === null ? [] : findMatches(segments.map((s) => s.text).join(''), marks.pattern),
    marks?.length ?? 0,
    current,
  );
  const className = [
    'term-row',
    stream === 'stderr' ? 'term-row--stderr' : '',
    selected ? 'term-row--selected' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className={className}
      data-line={line ?? '↪'}
      data-row={index}
      data-time={time}
      style={lines > 1 ? { height: lines * ROW_HEIGHT } : undefined}
    >
      {line === null || href === undefined ? (
        <span className="term-row__line" data-line={line ?? '↪'} aria-hidden="true" />
      ) : (
        // Out of the Tab order: a screen of them would stand between the output and what follows.
        <a
          className="term-row__line"
          href={href}
          data-line={line}
          tabIndex={-1}
          aria-label={stream === 'stderr' ? `stderr line ${line}` : `Line ${line}`}
        />
      )}
      {marked.map((segment, i) => {
        const style = segmentStyle(segment.state);
        const content = visible(segment.text);
        if (segment.mark !== 'none') {
          return (
            <mark key={i} className={MARK_CLASS[segment.mark]} style={style}>
              {content}
            </mark>
          );
        }
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
