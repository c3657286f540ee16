import type { ReactNode, Ref } from 'react';
import type { LineRange } from '../shared/line-range';
import type { LineTimesMode } from './line-times';
import type { OutputBuffer } from './output-buffer';
import type { Match } from './output-search';
import type { RowList } from './row-layout';
import type { FindMarks } from './TerminalRow';

/** What the output area can ask of the view. */
export interface TerminalHandle {
  /** Brings row `row` into view (a third from the top, unless it is in view) and stops following. */
  reveal(row: number): void;
  /** Goes to the first row, and stops following. */
  top(): void;
  /** Follows the end, or stops where the view is. */
  follow(on: boolean): void;
  /** The row at the top of the view. */
  topRow(): number;
  focus(): void;
}

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
