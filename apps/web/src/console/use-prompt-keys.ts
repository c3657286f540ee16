import { type KeyboardEvent, useState } from 'react';
import { AT_DRAFT, type HistoryCursor, stepHistory } from './command-history';
import type { SetLine } from './use-command-send';
import type { useTabCompletion } from './use-tab-completion';

interface PromptKeysOptions {
  readonly draft: string;
  /** The user's earlier commands, newest first. */
  readonly history: readonly string[];
  readonly tabs: ReturnType<typeof useTabCompletion>;
  /** A refusal or a problem is shown under the prompt (Escape dismisses it). */
  readonly messageShown: boolean;
  readonly clearMessages: () => void;
  readonly setLine: SetLine;
}

/**
 * The prompt's keys, as in a shell: Up and Down walk the history, Tab completes (and cycles),
 * Enter settles a cycle before it runs anything, Escape undoes a cycle or dismisses a message.
 */
export function usePromptKeys({
  draft,
  history,
  tabs,
  messageShown,
  clearMessages,
  setLine,
}: PromptKeysOptions) {
  const [cursor, setCursor] = useState<HistoryCursor>(AT_DRAFT);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    const plain = !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if ((event.key === 'ArrowUp' || event.key === 'ArrowDown') && plain) {
      event.preventDefault();
      tabs.stop();
      const step = stepHistory(history, cursor, draft, event.key === 'ArrowUp' ? 'older' : 'newer');
      if (step !== null) {
        setCursor(step.cursor);
        clearMessages();
        setLine(step.value);
      }
      return;
    }
    if (event.key === 'Tab' && plain) {
      // On an empty line there is nothing half-typed to run: Tab moves on, as everywhere.
      if (draft.trim() === '' && !tabs.cycling) return;
      // The focus stays in the prompt: Tab leaving it for Run made the next Enter run a
      // half-typed command. With a selection (a refused word), complete at its end.
      event.preventDefault();
      tabs.tab(event.currentTarget.selectionEnd ?? draft.length);
      return;
    }
    if ((event.key === 'Enter' || event.key === 'Escape') && tabs.cycling) {
      // The first Enter settles on the candidate shown (the next one runs the line); Escape
      // puts back the word as typed.
      event.preventDefault();
      tabs.settle(event.key === 'Enter');
      return;
    }
    if (event.key === 'Escape' && messageShown) {
      event.preventDefault();
      clearMessages();
    }
  };

  /** The line was typed or sent: Up starts again from the newest command. */
  const leaveHistory = (): void => setCursor(AT_DRAFT);
  return { onKeyDown, leaveHistory };
}
