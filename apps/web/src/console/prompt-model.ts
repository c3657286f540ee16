import type { CommandHint, TargetView } from '../api/types.js';
import type { Refusal } from '../api/errors';
import type { TargetChoice } from '../fleet/target-choice';
import {
  type Candidate,
  type Completion,
  applyCompletion,
  completionsAt,
  replaceWord,
  wordAtCaret,
} from './completion';
import { didYouMean } from './did-you-mean';

/**
 * Tab pressed again on the same ambiguous word: the candidates in turn, in place of the word
 * (`before` and `after` are the line around it), until another key settles on one.
 */
export interface Cycle {
  readonly before: string;
  readonly word: string;
  readonly after: string;
  readonly candidates: readonly Candidate[];
  readonly index: number;
}

/** A new line for the prompt and where its caret goes. */
export interface LineEdit {
  readonly value: string;
  readonly caret: number;
}

/** What Tab did: the line (null: unchanged), the cycle now shown, what to tell screen readers. */
export interface TabResult {
  readonly edit: LineEdit | null;
  readonly cycle: Cycle | null;
  /** Set when Tab listed several candidates with nothing of the word typed yet. */
  readonly listedFor: string | null;
  readonly announcement: string;
}

/** Candidate `index` of the cycle in place of the word. */
export function showCandidate(cycle: Cycle, index: number): TabResult | null {
  const candidate = cycle.candidates[index];
  if (candidate === undefined) return null;
  return {
    edit: {
      value: cycle.before + candidate.text + cycle.after,
      caret: cycle.before.length + candidate.text.length,
    },
    cycle: { ...cycle, index },
    listedFor: null,
    announcement: `${candidate.text} (${index + 1} of ${cycle.candidates.length})`,
  };
}

/** Settles on the candidate shown, with a space after it when it is whole. */
export function acceptCandidate(cycle: Cycle): LineEdit | null {
  const candidate = cycle.candidates[cycle.index];
  if (candidate === undefined) return null;
  const space = candidate.whole && !cycle.after.startsWith(' ') ? ' ' : '';
  return {
    value: cycle.before + candidate.text + space + cycle.after,
    caret: cycle.before.length + candidate.text.length + space.length,
  };
}

/** Escape during a cycle: the word as the user typed it. */
export function abandonCycle(cycle: Cycle): LineEdit {
  return {
    value: cycle.before + cycle.word + cycle.after,
    caret: cycle.before.length + cycle.word.length,
  };
}

/**
 * Tab at `at`: the next candidate of a running cycle; else the word completed as far as the
 * candidates agree; else, when they agree no further, a cycle through them; else a mistyped
 * command name corrected to the nearest allowed one; else only an explanation.
 */
export function pressTab(
  draft: string,
  at: number,
  commands: readonly CommandHint[],
  cycle: Cycle | null,
): TabResult {
  const nothing = { edit: null, cycle: null, listedFor: null };
  if (cycle !== null) {
    return (
      showCandidate(cycle, (cycle.index + 1) % cycle.candidates.length) ?? {
        ...nothing,
        announcement: '',
      }
    );
  }
  const completion = completionsAt(draft, at, commands);
  const { candidates } = completion;
  const completed = applyCompletion(draft, at, completion);
  if (completed !== null) {
    const several = candidates.length > 1;
    return {
      edit: completed,
      cycle: null,
      listedFor: several ? completed.value : null,
      announcement: several
        ? `${candidates.length} completions: ${candidates.map((c) => c.text).join(', ')}`
        : `Completed: ${candidates[0]?.text ?? ''}`,
    };
  }
  if (candidates.length > 1) {
    const first: Cycle = {
      before: draft.slice(0, completion.at.start),
      word: completion.at.word,
      after: draft.slice(at),
      candidates,
      index: 0,
    };
    return showCandidate(first, 0) ?? { ...nothing, announcement: '' };
  }
  const near =
    completion.at.index === 0
      ? didYouMean(
          completion.at.word,
          commands.map((c) => c.name),
          1,
        )[0]
      : undefined;
  if (near !== undefined) {
    return {
      ...nothing,
      edit: replaceWord(draft, at, completion.at, `${near} `),
      announcement: `Corrected to ${near}`,
    };
  }
  return {
    ...nothing,
    announcement:
      completion.expects === null
        ? 'Nothing to complete here.'
        : `Nothing to complete: ${completion.expects}.`,
  };
}

/** UTF-16 offset of a code-point index (the server counts code points). */
function utf16Offset(text: string, codePoints: number): number {
  return Array.from(text).slice(0, codePoints).join('').length;
}

/**
 * What to select in a refused command, in UTF-16 offsets for the input: the offending word, or
 * character, so the user can fix it at once; the end of the line when the server named neither.
 */
export function refusalSelection(command: string, refusal: Refusal): [number, number] {
  const chars = Array.from(command);
  const [first, end] =
    refusal.span !== null
      ? [refusal.span.start, refusal.span.end]
      : refusal.position !== null
        ? [refusal.position, Math.min(chars.length, refusal.position + 1)]
        : [chars.length, chars.length];
  return [utf16Offset(command, first), utf16Offset(command, end)];
}

/** The one line under the prompt, most urgent first. */
export type PromptHint =
  | { readonly kind: 'refusal' }
  | { readonly kind: 'problem' }
  | { readonly kind: 'unknown-target'; readonly names: readonly string[] }
  | { readonly kind: 'no-targets' }
  | {
      readonly kind: 'unknown-command';
      readonly command: string;
      readonly near: readonly string[];
      readonly allowed: readonly string[];
    }
  | { readonly kind: 'usage'; readonly command: CommandHint; readonly expects: string | null }
  /** For a run, what it reaches says more than the keys: the preview takes the place. */
  | { readonly kind: 'preview' }
  | { readonly kind: 'keys' };

/** What the prompt knows when it picks its hint. */
export interface HintInput {
  readonly refused: boolean;
  readonly problem: boolean;
  readonly choice: TargetChoice;
  readonly targetText: string;
  readonly targets: readonly TargetView[] | undefined;
  readonly commands: readonly CommandHint[];
  readonly completion: Completion;
  readonly previewing: boolean;
}

/** Picks the hint under the prompt. */
export function promptHint(input: HintInput): PromptHint {
  const { completion, commands } = input;
  if (input.refused) return { kind: 'refusal' };
  if (input.problem) return { kind: 'problem' };
  if (input.choice.kind === 'unknown' && input.targetText.trim() !== '') {
    return { kind: 'unknown-target', names: input.choice.names };
  }
  if (input.targets !== undefined && input.targets.length === 0) return { kind: 'no-targets' };
  const known = commands.find((c) => c.name === completion.at.command);
  const firstWordOnly = completion.at.index === 0;
  const names = commands.map((c) => c.name);
  if (
    completion.at.command !== '' &&
    known === undefined &&
    !(firstWordOnly && completion.candidates.length > 0)
  ) {
    return {
      kind: 'unknown-command',
      command: completion.at.command,
      near: didYouMean(completion.at.command, names),
      allowed: names,
    };
  }
  if (known !== undefined && !(firstWordOnly && completion.candidates.length > 1)) {
    return { kind: 'usage', command: known, expects: firstWordOnly ? null : completion.expects };
  }
  return input.previewing ? { kind: 'preview' } : { kind: 'keys' };
}

/**
 * The candidates to list under the prompt, or none: during a cycle always; otherwise once part
 * of the word is typed (or Tab asked for the list), unless the only candidate is the word itself.
 */
export function listedCandidates(
  draft: string,
  completion: Completion,
  cycle: Cycle | null,
  listedFor: string | null,
): readonly Candidate[] {
  if (cycle !== null) return cycle.candidates;
  const listed = completion.candidates;
  const asked = completion.at.word !== '' || draft === listedFor;
  const onlyTheWord = listed.length === 1 && listed[0]?.text === completion.at.word;
  return asked && !onlyTheWord ? listed : [];
}

/** Why Enter cannot send the command to the target chosen, or null when it can. */
export function submitProblem(choice: TargetChoice, targetsLoading: boolean): string | null {
  switch (choice.kind) {
    case 'unknown':
      return (
        `No target is called ${choice.names.join(', ')}. Pick one from the list, or write a ` +
        'selector such as role=web.'
      );
    case 'none':
      return targetsLoading ? 'Targets are still loading.' : 'Choose a target first.';
    case 'target':
    case 'targets':
    case 'selector':
      return null;
  }
}

/** The line with `name` in place of its command name (a suggestion for a typo). */
export function withCommandName(line: string, name: string): string {
  const end = line.search(/\s|$/);
  return replaceWord(line, end, wordAtCaret(line, end), name).value;
}
