import { type ReactNode, type RefObject, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/errors';
import { copyText } from '../shared/clipboard';
import type { LineRange } from '../shared/line-range';
import { usePreference } from '../shared/use-preference';
import { describeLines } from './find-model';
import { FindBar } from './FindBar';
import type { OutputBuffer } from './output-buffer';
import { type TerminalHandle, TerminalView, type TerminalViewProps } from './TerminalView';
import { useFind } from './use-find';

const count = new Intl.NumberFormat(undefined);

/** What the terminal view shows, passed on to it as given. */
type ShownProps = Pick<
  TerminalViewProps,
  'buffer' | 'version' | 'label' | 'placeholder' | 'lineTimes' | 'startedAt'
>;

interface OutputViewProps extends ShownProps {
  /** The lines the URL points at, if any. */
  readonly selection?: LineRange;
  /** The link to a range of lines. */
  readonly lineHref: (range: LineRange) => string;
  /** Selects lines (goes to their link). */
  readonly onSelectLines: (range: LineRange) => void;
  /** More controls for the toolbar (the pane's "Copy output"). */
  readonly actions?: ReactNode;
  /** Says something briefly (copied, or why not). */
  readonly onNotice: (text: string) => void;
}

/** Copies the lines selected (a line link) as plain text, and says so or why not. */
function copySelectedLines(
  buffer: OutputBuffer,
  selection: LineRange,
  onNotice: (text: string) => void,
): void {
  const from = buffer.rowOfLine(selection.from);
  if (from === -1) {
    onNotice(`The output has no line ${count.format(selection.from)}.`);
    return;
  }
  const after = buffer.rowOfLine(selection.to + 1);
  const what = describeLines(selection.from, selection.to);
  copyText(buffer.plainText(from, after === -1 ? buffer.rowCount : after)).then(
    () => onNotice(`Copied ${what}.`),
    (error: unknown) => onNotice(errorMessage(error)),
  );
}

/** The lines a link points at: brought into view as soon as they have arrived, once. */
function useRevealSelection(
  buffer: OutputBuffer,
  selection: LineRange | undefined,
  version: number,
  terminal: RefObject<TerminalHandle | null>,
): void {
  const revealed = useRef<string | null>(null);
  useEffect(() => {
    if (selection === undefined) return;
    const key = `${selection.from}-${selection.to}`;
    if (revealed.current === key) return;
    const row = buffer.rowOfLine(selection.from);
    if (row === -1) return;
    revealed.current = key;
    terminal.current?.reveal(row);
  }, [buffer, selection, version, terminal]);
}

interface ToolbarProps {
  readonly findOpen: boolean;
  readonly onFind: () => void;
  readonly wrap: boolean;
  readonly onWrap: () => void;
  readonly canCopyLines: boolean;
  readonly onCopyLines: () => void;
  readonly actions: ReactNode;
  readonly terminal: RefObject<TerminalHandle | null>;
  readonly following: boolean;
  readonly onFollow: () => void;
}

/** The output's toolbar: find, wrap, copy lines, the pane's own actions, and where to look. */
function OutputToolbar(props: ToolbarProps) {
  const { terminal } = props;
  return (
    <div className="output__tools" role="group" aria-label="Output">
      <button
        type="button"
        className="button button--small"
        onClick={props.onFind}
        aria-keyshortcuts="Control+F /"
        aria-expanded={props.findOpen}
        title="Find in the whole output (Ctrl+F or /)"
      >
        Find
      </button>
      <button
        type="button"
        className="button button--small"
        aria-pressed={props.wrap}
        onClick={props.onWrap}
        title="Wrap long lines at the width of the view"
      >
        Wrap lines
      </button>
      <button
        type="button"
        className="button button--small"
        onClick={props.onCopyLines}
        disabled={!props.canCopyLines}
        title={
          props.canCopyLines
            ? 'Copy the selected lines'
            : 'Click a line number to select it, shift-click another for a range'
        }
      >
        Copy lines
      </button>
      {props.actions}
      <span className="output__scroll">
        <button
          type="button"
          className="button button--small"
          onClick={() => terminal.current?.top()}
        >
          Top
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={() => terminal.current?.follow(true)}
        >
          Latest
        </button>
        <button
          type="button"
          className="button button--small"
          aria-pressed={props.following}
          onClick={props.onFollow}
          title="Keep the newest output in view; scrolling up stops it"
        >
          Follow
        </button>
      </span>
    </div>
  );
}

/**
 * The output area: the terminal view and what reading it takes, the toolbar (find, wrap, top,
 * latest, follow, copy lines) and the find bar. Ctrl+F and `/` (outside a text field) open
 * find; how lines wrap and whether to follow are kept as preferences.
 */
export function OutputView({
  buffer,
  version,
  label,
  placeholder,
  lineTimes = 'off',
  startedAt = null,
  selection,
  lineHref,
  onSelectLines,
  actions,
  onNotice,
}: OutputViewProps) {
  const terminal = useRef<TerminalHandle>(null);
  const [wrap, setWrap] = usePreference<'on' | 'off'>('wrap', ['on', 'off'], 'off');
  const [followPreference, setFollowPreference] = usePreference<'on' | 'off'>(
    'follow',
    ['on', 'off'],
    'on',
  );
  // Opened on a line link: stay there, whatever the preference.
  const [following, setFollowing] = useState(
    () => selection === undefined && followPreference === 'on',
  );
  const find = useFind(buffer, terminal);
  useRevealSelection(buffer, selection, version, terminal);

  return (
    <div className="output">
      <OutputToolbar
        findOpen={find.findOpen}
        onFind={find.openFind}
        wrap={wrap === 'on'}
        onWrap={() => setWrap(wrap === 'on' ? 'off' : 'on')}
        canCopyLines={selection !== undefined}
        onCopyLines={() => {
          if (selection !== undefined) copySelectedLines(buffer, selection, onNotice);
        }}
        actions={actions}
        terminal={terminal}
        following={following}
        onFollow={() => {
          terminal.current?.follow(!following);
          setFollowPreference(following ? 'off' : 'on');
        }}
      />
      {find.findOpen && (
        <FindBar
          inputRef={find.findInput}
          query={find.query}
          onQueryChange={(text) => find.newQuery(text, find.caseSensitive)}
          caseSensitive={find.caseSensitive}
          onCaseSensitiveChange={(on) => find.newQuery(find.query, on)}
          onlyMatching={find.onlyMatching}
          onOnlyMatchingChange={find.setOnlyMatching}
          status={find.status}
          progress={find.progress}
          hasMatches={find.hasMatches}
          onNext={() => find.go(1)}
          onPrevious={() => find.go(-1)}
          onClose={find.closeFind}
        />
      )}
      <TerminalView
        handle={terminal}
        buffer={buffer}
        version={version}
        label={label}
        placeholder={placeholder}
        lineTimes={lineTimes}
        startedAt={startedAt}
        list={find.list}
        wrap={wrap === 'on'}
        following={following}
        onFollowingChange={setFollowing}
        selection={selection ?? null}
        lineHref={lineHref}
        onSelectLines={onSelectLines}
        marks={find.marks}
        currentMatch={find.currentMatch}
      />
    </div>
  );
}
