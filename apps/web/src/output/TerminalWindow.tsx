import { type ReactNode, useMemo } from 'react';
import type { LineRange } from '../shared/line-range';
import { type LineTimesMode, lineTime } from './line-times';
import type { OutputBuffer } from './output-buffer';
import type { Match } from './output-search';
import { type FindMarks, TerminalRow } from './TerminalRow';
import { type Geometry, OVERSCAN, ROW_HEIGHT } from './terminal-geometry';

export interface TerminalWindowProps {
  readonly buffer: OutputBuffer;
  /** The buffer's version: the selected lines' rows are found again as output arrives. */
  readonly version: number;
  readonly view: Geometry;
  readonly lineTimes: LineTimesMode;
  readonly startedAt: number | null;
  readonly selection: LineRange | null;
  readonly lineHref: ((range: LineRange) => string) | undefined;
  readonly marks: FindMarks | null;
  readonly currentMatch: Match | null;
}

/** The rows in view (and OVERSCAN beyond each edge), placed where the view's geometry says. */
export function TerminalWindow({
  buffer,
  version,
  view,
  lineTimes,
  startedAt,
  selection,
  lineHref,
  marks,
  currentMatch,
}: TerminalWindowProps) {
  const { list, layout, top, height, start, startLine, windowTop } = view;

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

  return (
    <div className="terminal__window" style={{ transform: `translateY(${windowTop}px)` }}>
      {rows}
    </div>
  );
}
