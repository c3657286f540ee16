import type { CommandHint } from '../api/types.js';
import { useState } from 'react';
import { type Candidate, applyCompletion, completionsAt } from './completion';
import {
  type Cycle,
  type LineEdit,
  abandonCycle,
  acceptCandidate,
  listedCandidates,
  pressTab,
} from './prompt-model';
import type { SetLine } from './use-command-send';

/**
 * Tab completion's state over the prompt-model functions: the cycle through candidates, the
 * line for which Tab listed them, and what the last Tab did, for screen readers (the list of
 * candidates is not in the reading order).
 */
export function useTabCompletion(
  draft: string,
  caret: number,
  commands: readonly CommandHint[],
  setLine: SetLine,
) {
  const edit = (line: LineEdit | null): void => {
    if (line !== null) setLine(line.value, [line.caret, line.caret]);
  };
  const [cycle, setCycle] = useState<Cycle | null>(null);
  const [listedFor, setListedFor] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const completion = completionsAt(draft, Math.min(caret, draft.length), commands);

  /** Tab at `at` (the end of the selection, when a refused word is selected). */
  const tab = (at: number): void => {
    const result = pressTab(draft, at, commands, cycle);
    edit(result.edit);
    setCycle(result.cycle);
    if (result.listedFor !== null) setListedFor(result.listedFor);
    setAnnouncement(result.announcement);
  };

  /** Ends a cycle: Enter keeps the candidate shown, Escape puts back the word as typed. */
  const settle = (keep: boolean): void => {
    if (cycle === null) return;
    setCycle(null);
    edit(keep ? acceptCandidate(cycle) : abandonCycle(cycle));
  };

  /** A click on a listed candidate. */
  const choose = (candidate: Candidate): void => {
    if (cycle !== null) {
      setCycle(null);
      edit(acceptCandidate({ ...cycle, index: Math.max(0, cycle.candidates.indexOf(candidate)) }));
      return;
    }
    const at = Math.min(caret, draft.length);
    edit(applyCompletion(draft, at, completionsAt(draft, at, commands), candidate));
  };

  return {
    completion,
    cycle,
    cycling: cycle !== null,
    announcement,
    listed: listedCandidates(draft, completion, cycle, listedFor),
    tab,
    settle,
    choose,
    /** The user typed or walked the history: any cycle is over. */
    stop: () => setCycle(null),
  };
}
