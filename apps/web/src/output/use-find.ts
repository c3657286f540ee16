import { type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { findStatus, firstCurrent, searchPercent, stepMatch } from './find-model';
import type { OutputBuffer } from './output-buffer';
import type { OutputSearch } from './output-search';
import type { RowList } from './row-layout';
import type { FindMarks, TerminalHandle } from './TerminalView';
import { useFrameVersion } from './use-frame-version';
import { useOutputSearch } from './use-output-search';

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

/**
 * Ctrl+F and `/` (outside a text field and a dialog) open find: the browser's own find sees only
 * the rows drawn, this one searches all of them.
 */
function useFindShortcut(openFind: () => void): void {
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
      event.preventDefault();
      openFind();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [openFind]);
}

/** The rows with a match, as a list the terminal can show instead of all rows. */
function matchingRows(search: OutputSearch): RowList {
  return {
    get count() {
      return search.rowCount;
    },
    get stable() {
      return search.stableRowCount;
    },
    rowAt: (item) => search.rowAt(item),
    itemFrom: (row) => search.rowIndexFrom(row),
  };
}

/**
 * Find in the whole output: the bar's state (open, query, case, only matching rows), the search
 * over the buffer, which match is current and bringing it into view. A new query makes current
 * the first match from where the view was, as soon as the search finds it.
 */
export function useFind(buffer: OutputBuffer, terminal: RefObject<TerminalHandle | null>) {
  const findInput = useRef<HTMLInputElement>(null);
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
  useFindShortcut(openFind);

  const makeCurrent = useCallback(
    (index: number) => {
      setCurrent({ search, index });
      const row = search.match(index)?.row;
      if (row !== undefined) terminal.current?.reveal(row);
    },
    [search, terminal],
  );

  // Checked as the search goes on, in its own notifications and the buffer's.
  useEffect(() => {
    if (!active) return;
    let picked = false;
    const check = (): void => {
      if (picked) return;
      const index = firstCurrent(search, search.firstMatchFrom(origin));
      if (index === null) return;
      picked = true;
      makeCurrent(index);
    };
    const unsubscribeSearch = search.subscribe(check);
    const unsubscribeBuffer = buffer.subscribe(check);
    return () => {
      unsubscribeSearch();
      unsubscribeBuffer();
    };
  }, [active, buffer, search, origin, makeCurrent]);

  const go = (delta: 1 | -1): void => {
    const fromTop = search.firstMatchFrom(terminal.current?.topRow() ?? 0);
    const index = stepMatch(search.count, currentIndex, fromTop, delta);
    if (index !== null) makeCurrent(index);
  };

  const newQuery = (text: string, matchCase: boolean): void => {
    setOrigin(terminal.current?.topRow() ?? 0);
    setQuery(text);
    setCaseSensitive(matchCase);
  };

  const matching = useMemo(() => matchingRows(search), [search]);
  const marks = useMemo<FindMarks | null>(
    () => (search.pattern === null ? null : { pattern: search.pattern, length: search.length }),
    [search],
  );

  return {
    findInput,
    findOpen,
    openFind,
    closeFind: () => {
      setFindOpen(false);
      terminal.current?.focus();
    },
    query,
    caseSensitive,
    onlyMatching,
    setOnlyMatching,
    newQuery,
    go,
    status: findStatus(search, active, currentIndex),
    progress: searchPercent(search, active, buffer.completedRows),
    hasMatches: search.count > 0,
    /** The rows to show: only those with a match when asked, else all (undefined). */
    list: active && onlyMatching ? matching : undefined,
    marks,
    currentMatch: currentIndex === null ? null : (search.match(currentIndex) ?? null),
  };
}
