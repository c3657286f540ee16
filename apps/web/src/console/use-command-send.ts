import { type RefObject, useLayoutEffect, useRef, useState } from 'react';
import { type Refusal, errorCode, errorMessage, refusalOf } from '../api/errors';
import { trpc } from '../api/trpc';
import type { TargetChoice } from '../fleet/target-choice';
import { refusalSelection } from './prompt-model';

/** A refusal with the command refused and the name of the target that refused it. */
export type PromptRefusal = Refusal & { command: string; target: string | null };

/** Puts a value in the prompt; the selection defaults to the caret at the end. */
export type SetLine = (value: string, selection?: [number, number]) => void;

/**
 * The prompt's line as code sets it: the value goes to the parent (the draft is kept across
 * reloads), the caret is tracked for completion, and the selection is applied once React has
 * rendered the new value (setting it before would be undone by the render).
 */
export function usePromptLine(
  draft: string,
  onDraftChange: (draft: string) => void,
  inputRef: RefObject<HTMLInputElement | null>,
) {
  const [caret, setCaret] = useState(draft.length);
  const pendingSelection = useRef<[number, number] | null>(null);

  useLayoutEffect(() => {
    const selection = pendingSelection.current;
    const input = inputRef.current;
    if (selection === null || input === null) return;
    pendingSelection.current = null;
    input.setSelectionRange(selection[0], selection[1]);
  });

  const setLine: SetLine = (value, selection = [value.length, value.length]) => {
    pendingSelection.current = selection;
    setCaret(selection[1]);
    onDraftChange(value);
  };
  return { caret, setCaret, setLine };
}

interface SendCallbacks {
  readonly onStarted: (executionId: string) => void;
  readonly onRunStarted: (runId: string) => void;
  readonly setLine: SetLine;
}

/**
 * Starts a command on one target or a run on several, and keeps what went wrong: the policy's
 * refusal (with the offending word selected in the line it puts back) or another problem. An
 * expired session says nothing here: the sign-in screen explains it.
 */
export function useCommandSend({ onStarted, onRunStarted, setLine }: SendCallbacks) {
  const utils = trpc.useUtils();
  const execute = trpc.exec.execute.useMutation();
  const startRun = trpc.runs.start.useMutation();
  const [refusal, setRefusal] = useState<PromptRefusal | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const clearMessages = (): void => {
    setRefusal(null);
    setProblem(null);
  };

  const failed = (command: string, error: unknown): void => {
    setLine(command);
    if (errorCode(error) !== 'UNAUTHORIZED') setProblem(errorMessage(error));
  };

  /** Sends `command` to run on `to`; `label` names that target in a refusal. */
  const start = (command: string, to: TargetChoice, label: string | null): void => {
    if (to.kind === 'selector' || to.kind === 'targets') {
      startRun.mutate(
        {
          command,
          ...(to.kind === 'selector' ? { selector: to.selector } : { targets: [...to.ids] }),
        },
        { onSuccess: ({ runId }) => onRunStarted(runId), onError: (e) => failed(command, e) },
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
            setLine(command, refusalSelection(command, refused));
          } else failed(command, error);
          void utils.exec.list.invalidate();
        },
      },
    );
  };

  return {
    pending: execute.isPending || startRun.isPending,
    refusal,
    problem,
    setProblem,
    clearMessages,
    start,
  };
}
