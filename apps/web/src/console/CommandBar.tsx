import type { CommandHint, TargetView } from '../api/types.js';
import { type FormEvent, type Ref, type RefObject, useImperativeHandle } from 'react';
import { TargetField } from '../fleet/TargetField';
import { type TargetChoice, isFleet } from '../fleet/target-choice';
import type { RunPreviewState } from '../fleet/use-run-preview';
import type { CommandScope } from './command-scope';
import { CandidateList, CompletionStatus } from './CandidateList';
import { promptHint, submitProblem, withCommandName } from './prompt-model';
import { PromptHintView, RunPreviewHint } from './PromptHint';
import { PromptInput } from './PromptInput';
import { useCommandSend, usePromptLine } from './use-command-send';
import { usePromptKeys } from './use-prompt-keys';
import { useTabCompletion } from './use-tab-completion';

/** What the console can ask of the prompt: run a command from the history, on its target. */
export interface CommandBarHandle {
  /** Puts the target in the Target field and runs the command there, as Enter would. */
  run(command: string, target: string, targetLabel: string): void;
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

/**
 * The prompt: pick a target (or several, or a selector), type a command, Enter runs it. Up and
 * Down walk the user's own history, Tab completes command names and options from what the target
 * allows (prompt-model.ts decides what), and the line under the input says what is allowed, or
 * why the server refused.
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
  const { caret, setCaret, setLine } = usePromptLine(draft, onDraftChange, inputRef);
  const sending = useCommandSend({ onStarted, onRunStarted, setLine });
  const { pending, refusal, problem, clearMessages } = sending;
  const commands: readonly CommandHint[] = scope?.commands ?? [];
  const tabs = useTabCompletion(draft, caret, commands, setLine);
  const keys = usePromptKeys({
    draft,
    history,
    tabs,
    messageShown: refusal !== null || problem !== null,
    clearMessages,
    setLine,
  });

  const send = (command: string, to: TargetChoice, label: string | null): void => {
    clearMessages();
    tabs.stop();
    onSubmitted(command);
    // Like a terminal, Enter consumes the line; it comes back if the command does not start.
    keys.leaveHistory();
    setLine('');
    sending.start(command, to, label);
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
    const why = submitProblem(choice, targetsLoading);
    if (why !== null) sending.setProblem(why);
    else send(command, choice, scope?.label ?? null);
  };

  const putLine = (line: string): void => {
    setLine(line);
    inputRef.current?.focus();
  };

  const hint = promptHint({
    refused: refusal !== null,
    problem: problem !== null,
    choice,
    targetText,
    targets,
    commands,
    completion: tabs.completion,
    previewing: preview !== null,
  });
  const quiet = refusal === null && problem === null;
  const listed = quiet ? tabs.listed : [];

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
          <PromptInput
            inputRef={inputRef}
            draft={draft}
            refused={refusal !== null}
            scopeLabel={scope?.label}
            onChange={(value, caretAt) => {
              keys.leaveHistory();
              tabs.stop();
              setCaret(caretAt);
              if (!quiet) clearMessages();
              onDraftChange(value);
            }}
            onCaret={setCaret}
            onKeyDown={keys.onKeyDown}
          />
        </div>
        <button
          type="submit"
          className="button button--primary"
          disabled={pending || draft.trim() === '' || choice.kind === 'none'}
        >
          {pending ? 'Starting…' : isFleet(choice) ? 'Run on all' : 'Run'}
        </button>
      </form>
      <div id="command-hint" className="command-bar__hint">
        <PromptHintView
          hint={hint}
          refusal={refusal}
          problem={problem}
          scopeLabel={scope?.label}
          commands={commands}
          onUseCommand={(command) => {
            clearMessages();
            putLine(command);
          }}
          onUseName={(name) => putLine(withCommandName(draft, name))}
        />
        {preview !== null && quiet && <RunPreviewHint preview={preview} />}
        {listed.length > 0 && (
          <CandidateList
            candidates={listed}
            current={tabs.cycle?.index ?? null}
            onChoose={(candidate) => {
              tabs.choose(candidate);
              inputRef.current?.focus();
            }}
          />
        )}
        <CompletionStatus announcement={tabs.announcement} />
      </div>
    </div>
  );
}
