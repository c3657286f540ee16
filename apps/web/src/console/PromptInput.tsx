import type { KeyboardEvent, RefObject } from 'react';

interface PromptInputProps {
  readonly inputRef: RefObject<HTMLInputElement | null>;
  readonly draft: string;
  /** The server refused the line: marked invalid, the offending word selected. */
  readonly refused: boolean;
  /** What the command would run on, or undefined before a target is chosen. */
  readonly scopeLabel: string | undefined;
  /** The user typed: the new line and where the caret is in it. */
  readonly onChange: (value: string, caret: number) => void;
  readonly onCaret: (caret: number) => void;
  readonly onKeyDown: (event: KeyboardEvent<HTMLInputElement>) => void;
}

/** The command line itself: no browser autocorrection, described by the hint under it. */
export function PromptInput({
  inputRef,
  draft,
  refused,
  scopeLabel,
  onChange,
  onCaret,
  onKeyDown,
}: PromptInputProps) {
  return (
    <input
      ref={inputRef}
      id="command-input"
      className="command-bar__input"
      type="text"
      value={draft}
      onChange={(event) =>
        onChange(event.target.value, event.target.selectionStart ?? event.target.value.length)
      }
      onSelect={(event) => onCaret(event.currentTarget.selectionStart ?? draft.length)}
      onKeyDown={onKeyDown}
      placeholder={scopeLabel === undefined ? 'Choose a target' : `Command to run on ${scopeLabel}`}
      aria-label="Command"
      aria-describedby="command-hint command-keys"
      aria-invalid={refused}
      autoComplete="off"
      autoCapitalize="off"
      autoCorrect="off"
      spellCheck={false}
      enterKeyHint="go"
      autoFocus
    />
  );
}
