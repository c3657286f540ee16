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
import { formatCount } from '../execution/status';
import { TargetField } from '../fleet/TargetField';
import { type TargetChoice, isFleet } from '../fleet/target-choice';
import type { RunPreviewState } from '../fleet/use-run-preview';
import { AT_DRAFT, type HistoryCursor, stepHistory } from './command-history';
import { applyCompletion, completionsAt } from './completion';
import { RefusalNotice } from './RefusalNotice';

/** What a command typed now would run on: a name for people, and the commands allowed there. */
export interface CommandScope {
  readonly label: string;
  readonly commands: readonly CommandHint[];
}

interface CommandBarProps {
  readonly targets: readonly TargetView[] | undefined;
  readonly targetsLoading: boolean;
  /** The Target field as typed. */
  readonly targetText: string;
  readonly onTargetTextChange: (text: string) => void;
  readonly choice: TargetChoice;
  readonly scope: CommandScope | undefined;
  /** For a run: what it would reach, per target allowed or why not. */
  readonly preview: RunPreviewState | null;
  readonly draft: string;
  readonly onDraftChange: (draft: string) => void;
  /** The user's earlier commands, newest first. */
  readonly history: readonly string[];
  /** A command was sent (whether it then ran or was refused). */
  readonly onSubmitted: (command: string) => void;
  readonly onStarted: (executionId: string) => void;
  readonly onRunStarted: (runId: string) => void;
  readonly inputRef: RefObject<HTMLInputElement | null>;
}

/** UTF-16 offset of a code-point index (the server counts code points). */
function utf16Offset(text: string, codePoints: number): number {
  return Array.from(text).slice(0, codePoints).join('').length;
}

/** The hint for a run: how many targets it reaches, and the first refusal among them. */
function previewHint(preview: RunPreviewState): ReactNode {
  const { data, error } = preview;
  if (error !== null) {
    return (
      <p className="hint hint--error" role="alert">
        {errorMessage(error)}
      </p>
    );
  }
  if (data === undefined) return <p className="hint hint--muted">Finding the targets…</p>;
  const refused = data.targets.find((t) => !t.allowed);
  return (
    <p className={refused === undefined ? 'hint' : 'hint hint--warning'} data-testid="run-hint">
      Runs on <strong>{formatCount(data.matched)}</strong>{' '}
      {data.matched === 1 ? 'target' : 'targets'}: {formatCount(data.allowed)} allowed
      {refused === undefined ? (
        '.'
      ) : (
        <>
          , {formatCount(data.matched - data.allowed)} refused. {refused.id}: {refused.reason}
        </>
      )}
    </p>
  );
}

/**
 * The prompt: pick a target (or several, or a selector), type a command, Enter runs it. Up and
 * Down walk the user's own history, Tab completes command names and options from what the target
 * allows, and the line under the input says what is allowed, or why the server refused.
 */
export function CommandBar({
  targets,
  targetsLoading,
  targetText,
  onTargetTextChange,
  choice,
  scope,
  preview,
  draft,
  onDraftChange,
  history,
  onSubmitted,
  onStarted,
  onRunStarted,
  inputRef,
}: CommandBarProps) {
  const utils = trpc.useUtils();
  const execute = trpc.exec.execute.useMutation();
  const startRun = trpc.runs.start.useMutation();
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

  const commands: readonly CommandHint[] = scope?.commands ?? [];
  const fleet = isFleet(choice);
  const pending = execute.isPending || startRun.isPending;
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
    if (command === '' || pending) return;
    if (choice.kind === 'unknown') {
      setProblem(
        `No target is called ${choice.names.join(', ')}. Pick one from the list, or write a ` +
          'selector such as role=web.',
      );
      return;
    }
    if (choice.kind === 'none') {
      setProblem(targetsLoading ? 'Targets are still loading.' : 'Choose a target first.');
      return;
    }
    clearMessages();
    onSubmitted(command);
    // Like a terminal, Enter consumes the line; it comes back if the command does not start.
    setCursor(AT_DRAFT);
    setValue('');
    if (choice.kind !== 'target') {
      startRun.mutate(
        {
          command,
          ...(choice.kind === 'selector'
            ? { selector: choice.selector }
            : { targets: [...choice.ids] }),
        },
        {
          onSuccess: ({ runId }) => onRunStarted(runId),
          onError: (error) => {
            setValue(command);
            if (errorCode(error) !== 'UNAUTHORIZED') setProblem(errorMessage(error));
          },
        },
      );
      return;
    }
    execute.mutate(
      { target: choice.id, command },
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
  } else if (choice.kind === 'unknown' && targetText.trim() !== '') {
    hint = (
      <p className="hint hint--warning">
        No target is called <code>{choice.names.join(', ')}</code>. Pick one from the list, or write
        a selector such as <code>role=web,env!=prod</code>.
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
        <code>{completion.at.command}</code> is not allowed on {scope?.label ?? 'this target'}.
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
  } else if (preview !== null) {
    // For a run, what it reaches says more than the keys.
    hint = null;
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
        <TargetField
          targets={targets}
          loading={targetsLoading}
          value={targetText}
          onChange={onTargetTextChange}
          onDone={() => inputRef.current?.focus()}
        />
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
              scope === undefined ? 'Choose a target' : `Command to run on ${scope.label}`
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
          disabled={pending || draft.trim() === '' || choice.kind === 'none'}
        >
          {pending ? 'Starting…' : fleet ? 'Run on all' : 'Run'}
        </button>
      </form>
      <div id="command-hint" className="command-bar__hint">
        {hint}
        {preview !== null && refusal === null && problem === null && previewHint(preview)}
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
