import type { CommandHint, TargetView } from '../api/types.js';
import {
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
  type Ref,
  type RefObject,
  Fragment,
  useImperativeHandle,
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
import {
  type Candidate,
  applyCompletion,
  completionsAt,
  replaceWord,
  wordAtCaret,
} from './completion';
import { didYouMean } from './did-you-mean';
import { RefusalNotice } from './RefusalNotice';

/** What the console can ask of the prompt: run a command from the history, on its target. */
export interface CommandBarHandle {
  /** Puts the target in the Target field and runs the command there, as Enter would. */
  run(command: string, target: string, targetLabel: string): void;
}

/**
 * Tab pressed again on the same ambiguous word: the candidates in turn, in place of the word
 * (`before` and `after` are the line around it), until another key settles on one.
 */
interface Cycle {
  readonly before: string;
  readonly word: string;
  readonly after: string;
  readonly candidates: readonly Candidate[];
  readonly index: number;
}

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
  readonly handle?: Ref<CommandBarHandle>;
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
  handle,
}: CommandBarProps) {
  const utils = trpc.useUtils();
  const execute = trpc.exec.execute.useMutation();
  const startRun = trpc.runs.start.useMutation();
  const [cursor, setCursor] = useState<HistoryCursor>(AT_DRAFT);
  const [caret, setCaret] = useState(draft.length);
  const [refusal, setRefusal] = useState<
    (Refusal & { command: string; target: string | null }) | null
  >(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [cycle, setCycle] = useState<Cycle | null>(null);
  // The line for which Tab asked to list the candidates (with nothing typed of the word yet).
  const [listedFor, setListedFor] = useState<string | null>(null);
  // What Tab did, for screen readers (the list of candidates is not in the reading order).
  const [announcement, setAnnouncement] = useState('');
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

  /** Sends the command to run on `to`; `label` names that target in a refusal. */
  const send = (command: string, to: TargetChoice, label: string | null): void => {
    clearMessages();
    setCycle(null);
    onSubmitted(command);
    // Like a terminal, Enter consumes the line; it comes back if the command does not start.
    setCursor(AT_DRAFT);
    setValue('');
    if (to.kind === 'selector' || to.kind === 'targets') {
      startRun.mutate(
        {
          command,
          ...(to.kind === 'selector' ? { selector: to.selector } : { targets: [...to.ids] }),
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
    if (to.kind !== 'target') return;
    execute.mutate(
      { target: to.id, command },
      {
        onSuccess: ({ executionId }) => onStarted(executionId),
        onError: (error) => {
          const refused = refusalOf(error);
          if (refused !== null) {
            setRefusal({ ...refused, command, target: label });
            // Select the offending word (or character), so the user can fix it at once.
            const chars = Array.from(command);
            const [first, end] =
              refused.span !== null
                ? [refused.span.start, refused.span.end]
                : refused.position !== null
                  ? [refused.position, Math.min(chars.length, refused.position + 1)]
                  : [chars.length, chars.length];
            setValue(command, [utf16Offset(command, first), utf16Offset(command, end)]);
          } else {
            setValue(command);
            if (errorCode(error) !== 'UNAUTHORIZED') setProblem(errorMessage(error));
          }
          void utils.exec.list.invalidate();
        },
      },
    );
  };

  useImperativeHandle(handle, () => ({
    run(command, target, targetLabel) {
      if (pending) return;
      onTargetTextChange(target);
      send(command, { kind: 'target', id: target }, targetLabel);
      inputRef.current?.focus();
    },
  }));

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
    send(command, choice, scope?.label ?? null);
  };

  /** Puts candidate `index` of the cycle in place of the word. */
  const showCandidate = (current: Cycle, index: number): void => {
    const candidate = current.candidates[index];
    if (candidate === undefined) return;
    const caretAt = current.before.length + candidate.text.length;
    setCycle({ ...current, index });
    setValue(current.before + candidate.text + current.after, [caretAt, caretAt]);
    setAnnouncement(`${candidate.text} (${index + 1} of ${current.candidates.length})`);
  };

  /** Settles on the candidate shown, with a space after it when it is whole. */
  const acceptCycle = (current: Cycle): void => {
    const candidate = current.candidates[current.index];
    setCycle(null);
    if (candidate === undefined) return;
    const space = candidate.whole && !current.after.startsWith(' ') ? ' ' : '';
    const caretAt = current.before.length + candidate.text.length + space.length;
    setValue(current.before + candidate.text + space + current.after, [caretAt, caretAt]);
  };

  /**
   * Tab: complete the word at the caret as far as the candidates agree; when they agree no
   * further, show them and put each in place in turn. The focus stays in the prompt either way:
   * Tab leaving it for Run made the next Enter run a half-typed command.
   */
  const tabComplete = (at: number): void => {
    if (cycle !== null) {
      showCandidate(cycle, (cycle.index + 1) % cycle.candidates.length);
      return;
    }
    const completion = completionsAt(draft, at, commands);
    const { candidates } = completion;
    const result = applyCompletion(draft, at, completion);
    if (result !== null) {
      setValue(result.value, [result.caret, result.caret]);
      if (candidates.length > 1) {
        setListedFor(result.value);
        setAnnouncement(
          `${candidates.length} completions: ${candidates.map((c) => c.text).join(', ')}`,
        );
      } else setAnnouncement(`Completed: ${candidates[0]?.text ?? ''}`);
      return;
    }
    if (candidates.length > 1) {
      const first: Cycle = {
        before: draft.slice(0, completion.at.start),
        word: completion.at.word,
        after: draft.slice(at),
        candidates,
        index: 0,
      };
      showCandidate(first, 0);
      return;
    }
    // Nothing starts that way; a mistyped command name may still be near an allowed one.
    const near =
      completion.at.index === 0
        ? didYouMean(
            completion.at.word,
            commands.map((c) => c.name),
            1,
          )[0]
        : undefined;
    if (near !== undefined) {
      const replaced = replaceWord(draft, at, completion.at, `${near} `);
      setValue(replaced.value, [replaced.caret, replaced.caret]);
      setAnnouncement(`Corrected to ${near}`);
      return;
    }
    setAnnouncement(
      completion.expects === null
        ? 'Nothing to complete here.'
        : `Nothing to complete: ${completion.expects}.`,
    );
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    const plain = !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if ((event.key === 'ArrowUp' || event.key === 'ArrowDown') && plain) {
      event.preventDefault();
      setCycle(null);
      const step = stepHistory(history, cursor, draft, event.key === 'ArrowUp' ? 'older' : 'newer');
      if (step !== null) {
        setCursor(step.cursor);
        clearMessages();
        setValue(step.value);
      }
      return;
    }
    if (event.key === 'Tab' && plain) {
      // On an empty line there is nothing half-typed to run: Tab moves on, as everywhere.
      if (draft.trim() === '' && cycle === null) return;
      event.preventDefault();
      // With a selection (a refused word), complete at its end.
      tabComplete(event.currentTarget.selectionEnd ?? draft.length);
      return;
    }
    if (event.key === 'Enter' && cycle !== null) {
      // The first Enter settles on the candidate shown; the next one runs the line.
      event.preventDefault();
      acceptCycle(cycle);
      return;
    }
    if (event.key === 'Escape' && cycle !== null) {
      event.preventDefault();
      const caretAt = cycle.before.length + cycle.word.length;
      setCycle(null);
      setValue(cycle.before + cycle.word + cycle.after, [caretAt, caretAt]);
      return;
    }
    if (event.key === 'Escape' && (refusal !== null || problem !== null)) {
      event.preventDefault();
      clearMessages();
    }
  };

  const choose = (candidate: Candidate): void => {
    if (cycle !== null) {
      acceptCycle({ ...cycle, index: Math.max(0, cycle.candidates.indexOf(candidate)) });
    } else {
      const at = Math.min(caret, draft.length);
      const result = applyCompletion(draft, at, completionsAt(draft, at, commands), candidate);
      if (result !== null) setValue(result.value, [result.caret, result.caret]);
    }
    inputRef.current?.focus();
  };

  /** Puts `name` in place of the command name (a suggestion for a typo). */
  const applyCommandName = (name: string): void => {
    const first = wordAtCaret(draft, draft.search(/\s|$/));
    const replaced = replaceWord(draft, draft.search(/\s|$/), first, name);
    setValue(replaced.value);
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
    hint = (
      <RefusalNotice
        refusal={refusal}
        target={refusal.target}
        commands={commands}
        onUse={(command) => {
          clearMessages();
          setValue(command);
          inputRef.current?.focus();
        }}
      />
    );
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
    const near = didYouMean(
      completion.at.command,
      commands.map((c) => c.name),
    );
    hint = (
      <p className="hint hint--warning" data-testid="unknown-command">
        <code>{completion.at.command}</code> is not allowed on {scope?.label ?? 'this target'}.{' '}
        {near.length > 0 && (
          <>
            Did you mean{' '}
            {near.map((name, i) => (
              <Fragment key={name}>
                {i > 0 && ' or '}
                <button
                  type="button"
                  className="suggestion"
                  onClick={() => applyCommandName(name)}
                  aria-label={`Use ${name}`}
                >
                  {name}
                </button>
              </Fragment>
            ))}
            ? <kbd>Tab</kbd> takes the first.{' '}
          </>
        )}
        Allowed: {commands.map((c) => c.name).join(', ') || 'nothing'}.
      </p>
    );
  } else if (known !== undefined && !(firstWordOnly && completion.candidates.length > 1)) {
    const expects = firstWordOnly ? null : completion.expects;
    hint = (
      <p className="hint">
        <code className="hint__usage">{known.usage}</code>
        {known.description !== null && (
          <span className="hint__description"> — {known.description}</span>
        )}
        {expects !== null && (
          <span className="hint__expects" data-testid="expects">
            {' '}
            · this word: <code>{expects}</code>
          </span>
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
  const listed = cycle?.candidates ?? completion.candidates;
  const showCandidates =
    refusal === null &&
    problem === null &&
    (cycle !== null ||
      ((completion.at.word !== '' || draft === listedFor) &&
        listed.length > 0 &&
        !(listed.length === 1 && listed[0]?.text === completion.at.word)));

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
              setCycle(null);
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
            aria-describedby="command-hint command-keys"
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
            {listed.slice(0, 24).map((candidate, index) => (
              <li key={candidate.text}>
                <button
                  type="button"
                  className="candidate"
                  aria-current={cycle?.index === index ? 'true' : undefined}
                  // Keep the focus in the prompt: a click puts the candidate in place.
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => choose(candidate)}
                >
                  {candidate.text}
                </button>
              </li>
            ))}
          </ul>
        )}
        <p id="command-keys" className="visually-hidden">
          Tab completes the command, its options and their values; pressed again, it goes through
          the choices, and Enter takes the one shown.
        </p>
        <p className="visually-hidden" role="status">
          {announcement}
        </p>
      </div>
    </div>
  );
}
