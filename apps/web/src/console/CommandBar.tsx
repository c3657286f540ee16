import type { CommandHint, TargetView } from '../api/types.js';
import {
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { errorCode, errorMessage, refusalOf, type Refusal } from '../api/errors';
import { trpc } from '../api/trpc';
import { AT_DRAFT, type HistoryCursor, stepHistory } from './command-history';
import { applyCompletion, completionsAt } from './completion';
import { RefusalNotice } from './RefusalNotice';

interface CommandBarProps {
  readonly targets: readonly TargetView[] | undefined;
  readonly targetsLoading: boolean;
  readonly target: string;
  readonly onTargetChange: (target: string) => void;
  readonly draft: string;
  readonly onDraftChange: (draft: string) => void;
  /** The user's earlier commands, newest first. */
  readonly history: readonly string[];
  /** A command was sent (whether it then ran or was refused). */
  readonly onSubmitted: (command: string) => void;
  readonly onStarted: (executionId: string) => void;
  readonly inputRef: RefObject<HTMLInputElement | null>;
}

/** UTF-16 offset of a code-point index (the server counts code points). */
function utf16Offset(text: string, codePoints: number): number {
  return Array.from(text).slice(0, codePoints).join('').length;
}

/**
 * The prompt: pick a target, type a command, Enter runs it. Up and Down walk the user's own
 * history, Tab completes command names and options from what the target allows, and the line
 * under the input says what is allowed, or why the server refused.
 */
export function CommandBar({
  targets,
  targetsLoading,
  target,
  onTargetChange,
  draft,
  onDraftChange,
  history,
  onSubmitted,
  onStarted,
  inputRef,
}: CommandBarProps) {
  const utils = trpc.useUtils();
  const execute = trpc.exec.execute.useMutation();
  const [cursor, setCursor] = useState<HistoryCursor>(AT_DRAFT);
  const [caret, setCaret] = useState(draft.length);
  const [refusal, setRefusal] = useState<(Refusal & { command: string }) | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // Where to put the caret once React has rendered a value set from code.
  const pendingSelection = useRef<[number, number] | null>(null);

  useLayoutEffect(() => {
    const selection = pendingSelection.current;
    const input = inputRef.current;
    if (selection === null || input === null) return;
    pendingSelection.current = null;
    input.setSelectionRange(selection[0], selection[1]);
  });

  const current = targets?.find((t) => t.id === target);
  const commands: readonly CommandHint[] = current?.commands ?? [];
  const completion = completionsAt(draft, Math.min(caret, draft.length), commands);

  const setValue = (
    value: string,
    selection: [number, number] = [value.length, value.length],
  ): void => {
    pendingSelection.current = selection;
    setCaret(selection[1]);
    onDraftChange(value);
  };

  const clearMessages = (): void => {
    setRefusal(null);
    setProblem(null);
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const command = draft.trim();
    if (command === '' || execute.isPending) return;
    if (current === undefined) {
      setProblem(targetsLoading ? 'Targets are still loading.' : 'Choose a target first.');
      return;
    }
    clearMessages();
    onSubmitted(command);
    // Like a terminal, Enter consumes the line; it comes back if the command does not start.
    setCursor(AT_DRAFT);
    setValue('');
    execute.mutate(
      { target: current.id, command },
      {
        onSuccess: ({ executionId }) => onStarted(executionId),
        onError: (error) => {
          const refused = refusalOf(error);
          if (refused !== null) {
            setRefusal({ ...refused, command });
            // Select the offending character, so the user can fix it at once.
            const start =
              refused.position === null ? command.length : utf16Offset(command, refused.position);
            const end =
              refused.position === null
                ? start
                : start + (Array.from(command)[refused.position]?.length ?? 0);
            setValue(command, [start, end]);
          } else {
            setValue(command);
            if (errorCode(error) !== 'UNAUTHORIZED') setProblem(errorMessage(error));
          }
          void utils.exec.list.invalidate();
        },
      },
    );
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    const plain = !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if ((event.key === 'ArrowUp' || event.key === 'ArrowDown') && plain) {
      event.preventDefault();
      const step = stepHistory(history, cursor, draft, event.key === 'ArrowUp' ? 'older' : 'newer');
      if (step !== null) {
        setCursor(step.cursor);
        clearMessages();
        setValue(step.value);
      }
      return;
    }
    if (event.key === 'Tab' && plain) {
      const input = event.currentTarget;
      if (input.selectionStart !== input.selectionEnd) return;
      const at = input.selectionStart ?? draft.length;
      const result = applyCompletion(draft, at, completionsAt(draft, at, commands));
      if (result === null) return; // Nothing to complete: Tab moves focus as usual.
      event.preventDefault();
      setValue(result.value, [result.caret, result.caret]);
      return;
    }
    if (event.key === 'Escape' && (refusal !== null || problem !== null)) {
      event.preventDefault();
      clearMessages();
    }
  };

  const choose = (candidate: string): void => {
    const at = Math.min(caret, draft.length);
    const result = applyCompletion(draft, at, completionsAt(draft, at, commands), candidate);
    if (result !== null) setValue(result.value, [result.caret, result.caret]);
    inputRef.current?.focus();
  };

  const known = commands.find((c) => c.name === completion.at.command);
  const firstWordOnly = completion.at.index === 0;
  const unknownCommand =
    completion.at.command !== '' &&
    known === undefined &&
    !(firstWordOnly && completion.candidates.length > 0);

  let hint: ReactNode;
  if (refusal !== null) {
    hint = <RefusalNotice refusal={refusal} />;
  } else if (problem !== null) {
    hint = (
      <p className="hint hint--error" role="alert">
        {problem}
      </p>
    );
  } else if (targets !== undefined && targets.length === 0) {
    hint = (
      <p className="hint hint--warning">
        You have no targets to run commands on. Ask an administrator for a role.
      </p>
    );
  } else if (unknownCommand) {
    hint = (
      <p className="hint hint--warning">
        <code>{completion.at.command}</code> is not allowed on {current?.label ?? 'this target'}.
        Allowed: {commands.map((c) => c.name).join(', ') || 'nothing'}.
      </p>
    );
  } else if (known !== undefined && !(firstWordOnly && completion.candidates.length > 1)) {
    hint = (
      <p className="hint">
        <code className="hint__usage">{known.usage}</code>
        {known.description !== null && (
          <span className="hint__description"> — {known.description}</span>
        )}
      </p>
    );
  } else {
    hint = (
      <p className="hint hint--muted">
        <kbd>Enter</kbd> runs · <kbd>↑</kbd>
        <kbd>↓</kbd> history · <kbd>Tab</kbd> completes · <kbd>Ctrl</kbd>+<kbd>C</kbd> cancels
      </p>
    );
  }
  const showCandidates =
    refusal === null &&
    problem === null &&
    completion.at.word !== '' &&
    completion.candidates.length > 0 &&
    !(completion.candidates.length === 1 && completion.candidates[0] === completion.at.word);

  return (
    <div className="command-bar">
      <form className="command-bar__form" onSubmit={submit} aria-label="Run a command">
        <label className="command-bar__target">
          <span className="command-bar__label">Target</span>
          <select
            value={current?.id ?? ''}
            onChange={(event) => onTargetChange(event.target.value)}
            disabled={targets === undefined || targets.length === 0}
          >
            {targets === undefined && (
              <option value="">{targetsLoading ? 'Loading…' : 'Unavailable'}</option>
            )}
            {targets?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <div
          className={`command-bar__prompt${refusal !== null ? ' command-bar__prompt--refused' : ''}`}
        >
          <span className="command-bar__sigil" aria-hidden="true">
            $
          </span>
          <input
            ref={inputRef}
            id="command-input"
            className="command-bar__input"
            type="text"
            value={draft}
            onChange={(event) => {
              setCursor(AT_DRAFT);
              setCaret(event.target.selectionStart ?? event.target.value.length);
              if (refusal !== null || problem !== null) clearMessages();
              onDraftChange(event.target.value);
            }}
            onSelect={(event) => setCaret(event.currentTarget.selectionStart ?? draft.length)}
            onKeyDown={onKeyDown}
            placeholder={
              current === undefined ? 'Choose a target' : `Command to run on ${current.label}`
            }
            aria-label="Command"
            aria-describedby="command-hint"
            aria-invalid={refusal !== null}
            autoComplete="off"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            enterKeyHint="go"
            autoFocus
          />
        </div>
        <button
          type="submit"
          className="button button--primary"
          disabled={execute.isPending || draft.trim() === '' || current === undefined}
        >
          {execute.isPending ? 'Starting…' : 'Run'}
        </button>
      </form>
      <div id="command-hint" className="command-bar__hint">
        {hint}
        {showCandidates && (
          <ul className="candidates" aria-label="Completions">
            {completion.candidates.slice(0, 24).map((candidate) => (
              <li key={candidate}>
                <button type="button" className="candidate" onClick={() => choose(candidate)}>
                  {candidate}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
