import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../api/errors';
import { copyText } from '../shared/clipboard';
import { usePreference } from '../shared/use-preference';
import { FindBar } from './FindBar';
import type { LineRange } from '../shared/line-range';
import type { OutputSearch } from './output-search';
import type { RowList } from './row-layout';
import {
  type FindMarks,
  type TerminalHandle,
  TerminalView,
  type TerminalViewProps,
} from './TerminalView';
import { useFrameVersion } from './use-frame-version';
import { useOutputSearch } from './use-output-search';

const count = new Intl.NumberFormat(undefined);

/** Where typing `/` is text, not the find shortcut. */
function isTextField(element: Element | null): boolean {
  if (element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) return true;
  if (element instanceof HTMLInputElement) {
    return !['button', 'checkbox', 'radio', 'reset', 'submit', 'range', 'color'].includes(
      element.type,
    );
  }
  return element instanceof HTMLElement && element.isContentEditable;
}

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
  const findInput = useRef<HTMLInputElement>(null);
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

  const [findOpen, setFindOpen] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const [query, setQuery] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [onlyMatching, setOnlyMatching] = useState(false);
  const search = useOutputSearch(buffer, findOpen ? query : '', caseSensitive);
  // Drawn again as the search goes on (at most once a frame).
  useFrameVersion(search);
  const active = search.pattern !== null;
  /** The current match, for the search it belongs to (a new query starts without one). */
  const [current, setCurrent] = useState<{ search: OutputSearch; index: number } | null>(null);
  const currentIndex = current?.search === search ? current.index : null;
  /** Where the view was when the query changed: the first match from there becomes current. */
  const [origin, setOrigin] = useState(0);

  const openFind = useCallback(() => {
    setFindOpen(true);
    setFocusRequest((n) => n + 1);
  }, []);
  useEffect(() => {
    if (focusRequest === 0) return;
    findInput.current?.focus();
    findInput.current?.select();
  }, [focusRequest]);
  const closeFind = (): void => {
    setFindOpen(false);
    terminal.current?.focus();
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || event.altKey) return;
      const focused = document.activeElement;
      // A dialog's own keys are its own.
      if (focused?.closest('dialog, [role="dialog"]')) return;
      const key = event.key.toLowerCase();
      const find = (event.ctrlKey || event.metaKey) && !event.shiftKey && key === 'f';
      const slash = key === '/' && !event.ctrlKey && !event.metaKey && !isTextField(focused);
      if (!find && !slash) return;
      // The browser's own find sees only the rows drawn: this one searches all of them.
      event.preventDefault();
      openFind();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [openFind]);

  const reveal = useCallback((row: number | undefined) => {
    if (row !== undefined) terminal.current?.reveal(row);
  }, []);

  // Once the search finds a match at or after where the view was, that one is current; with
  // none there, the first one. Checked as the search goes on, in its own notifications.
  useEffect(() => {
    if (!active) return;
    let picked = false;
    const check = (): void => {
      if (picked) return;
      const after = search.firstMatchFrom(origin);
      const index = after < search.count ? after : search.done && search.count > 0 ? 0 : null;
      if (index === null) return;
      picked = true;
      setCurrent({ search, index });
      reveal(search.match(index)?.row);
    };
    const unsubscribeSearch = search.subscribe(check);
    const unsubscribeBuffer = buffer.subscribe(check);
    return () => {
      unsubscribeSearch();
      unsubscribeBuffer();
    };
  }, [active, buffer, search, origin, reveal]);

  const go = (delta: 1 | -1): void => {
    const total = search.count;
    if (total === 0) return;
    let index: number;
    if (currentIndex === null) {
      const after = search.firstMatchFrom(terminal.current?.topRow() ?? 0);
      index = delta > 0 ? after % total : (after - 1 + total) % total;
    } else {
      index = (currentIndex + delta + total) % total;
    }
    setCurrent({ search, index });
    reveal(search.match(index)?.row);
  };

  const newQuery = (text: string, matchCase: boolean): void => {
    setOrigin(terminal.current?.topRow() ?? 0);
    setQuery(text);
    setCaseSensitive(matchCase);
  };

  // The lines a link points at: shown as soon as they have arrived.
  const revealed = useRef<string | null>(null);
  useEffect(() => {
    if (selection === undefined) return;
    const key = `${selection.from}-${selection.to}`;
    if (revealed.current === key) return;
    const row = buffer.rowOfLine(selection.from);
    if (row === -1) return;
    revealed.current = key;
    terminal.current?.reveal(row);
  }, [buffer, selection, version]);

  const copyLines = (): void => {
    if (selection === undefined) return;
    const from = buffer.rowOfLine(selection.from);
    if (from === -1) {
      onNotice(`The output has no line ${count.format(selection.from)}.`);
      return;
    }
    const after = buffer.rowOfLine(selection.to + 1);
    const what =
      selection.from === selection.to
        ? `line ${count.format(selection.from)}`
        : `lines ${count.format(selection.from)}–${count.format(selection.to)}`;
    copyText(buffer.plainText(from, after === -1 ? buffer.rowCount : after)).then(
      () => onNotice(`Copied ${what}.`),
      (error: unknown) => onNotice(errorMessage(error)),
    );
  };

  const matching = useMemo<RowList>(
    () => ({
      get count() {
        return search.rowCount;
      },
      get stable() {
        return search.stableRowCount;
      },
      rowAt: (item) => search.rowAt(item),
      itemFrom: (row) => search.rowIndexFrom(row),
    }),
    [search],
  );
  const marks = useMemo<FindMarks | null>(
    () => (search.pattern === null ? null : { pattern: search.pattern, length: search.length }),
    [search],
  );

  const total = search.count;
  const status = !active
    ? ''
    : total === 0
      ? search.done
        ? 'No matches'
        : 'Searching…'
      : currentIndex === null
        ? `${count.format(total)} ${total === 1 ? 'match' : 'matches'}`
        : `${count.format(currentIndex + 1)} of ${count.format(total)}`;
  const behind = buffer.completedRows - search.searchedRows;
  const progress =
    active && behind > 100_000
      ? Math.floor((100 * search.searchedRows) / Math.max(1, buffer.completedRows))
      : null;

  return (
    <div className="output">
      <div className="output__tools" role="group" aria-label="Output">
        <button
          type="button"
          className="button button--small"
          onClick={openFind}
          aria-keyshortcuts="Control+F /"
          aria-expanded={findOpen}
          title="Find in the whole output (Ctrl+F or /)"
        >
          Find
        </button>
        <button
          type="button"
          className="button button--small"
          aria-pressed={wrap === 'on'}
          onClick={() => setWrap(wrap === 'on' ? 'off' : 'on')}
          title="Wrap long lines at the width of the view"
        >
          Wrap lines
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={copyLines}
          disabled={selection === undefined}
          title={
            selection === undefined
              ? 'Click a line number to select it, shift-click another for a range'
              : 'Copy the selected lines'
          }
        >
          Copy lines
        </button>
        {actions}
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
            aria-pressed={following}
            onClick={() => {
              terminal.current?.follow(!following);
              setFollowPreference(following ? 'off' : 'on');
            }}
            title="Keep the newest output in view; scrolling up stops it"
          >
            Follow
          </button>
        </span>
      </div>
      {findOpen && (
        <FindBar
          inputRef={findInput}
          query={query}
          onQueryChange={(text) => newQuery(text, caseSensitive)}
          caseSensitive={caseSensitive}
          onCaseSensitiveChange={(on) => newQuery(query, on)}
          onlyMatching={onlyMatching}
          onOnlyMatchingChange={setOnlyMatching}
          status={status}
          progress={progress}
          hasMatches={total > 0}
          onNext={() => go(1)}
          onPrevious={() => go(-1)}
          onClose={closeFind}
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
        list={active && onlyMatching ? matching : undefined}
        wrap={wrap === 'on'}
        following={following}
        onFollowingChange={setFollowing}
        selection={selection ?? null}
        lineHref={lineHref}
        onSelectLines={onSelectLines}
        marks={marks}
        currentMatch={currentIndex === null ? null : (search.match(currentIndex) ?? null)}
      />
    </div>
  );
}
