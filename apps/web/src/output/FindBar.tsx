import type { Ref } from 'react';

interface FindBarProps {
  readonly inputRef: Ref<HTMLInputElement>;
  readonly query: string;
  readonly onQueryChange: (query: string) => void;
  readonly caseSensitive: boolean;
  readonly onCaseSensitiveChange: (on: boolean) => void;
  readonly onlyMatching: boolean;
  readonly onOnlyMatchingChange: (on: boolean) => void;
  /** "3 of 120", "No matches", ... */
  readonly status: string;
  /** Searching a large output, and how far along (0-100), or null when done. */
  readonly progress: number | null;
  readonly hasMatches: boolean;
  readonly onNext: () => void;
  readonly onPrevious: () => void;
  readonly onClose: () => void;
}

/**
 * Find in output: the query, where the current match is among all of them, next and previous
 * (Enter, Shift+Enter), matching case, and showing only the lines that match. Escape closes it.
 */
export function FindBar({
  inputRef,
  query,
  onQueryChange,
  caseSensitive,
  onCaseSensitiveChange,
  onlyMatching,
  onOnlyMatchingChange,
  status,
  progress,
  hasMatches,
  onNext,
  onPrevious,
  onClose,
}: FindBarProps) {
  return (
    <search className="find-bar" aria-label="Find in output">
      <input
        ref={inputRef}
        className="find-bar__input"
        type="text"
        aria-label="Find in output"
        placeholder="Find in output"
        autoComplete="off"
        spellCheck={false}
        value={query}
        aria-keyshortcuts="Enter Shift+Enter Escape"
        onChange={(event) => onQueryChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            if (event.shiftKey) onPrevious();
            else onNext();
          } else if (event.key === 'Escape') {
            event.preventDefault();
            onClose();
          }
        }}
      />
      <span className="find-bar__status" role="status" data-testid="find-status">
        {status}
        {progress !== null && <span className="find-bar__progress"> · searching {progress}%</span>}
      </span>
      <button
        type="button"
        className="button button--small"
        onClick={onPrevious}
        disabled={!hasMatches}
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
      >
        ↑
      </button>
      <button
        type="button"
        className="button button--small"
        onClick={onNext}
        disabled={!hasMatches}
        aria-label="Next match"
        title="Next match (Enter)"
      >
        ↓
      </button>
      <button
        type="button"
        className="button button--small"
        aria-pressed={caseSensitive}
        onClick={() => onCaseSensitiveChange(!caseSensitive)}
        title="Match case"
      >
        <span aria-hidden="true">Aa</span>
        <span className="visually-hidden">Match case</span>
      </button>
      <button
        type="button"
        className="button button--small"
        aria-pressed={onlyMatching}
        onClick={() => onOnlyMatchingChange(!onlyMatching)}
      >
        Matching lines only
      </button>
      <button
        type="button"
        className="button button--small button--quiet"
        onClick={onClose}
        aria-label="Close find"
        title="Close (Escape)"
      >
        ✕
      </button>
    </search>
  );
}
