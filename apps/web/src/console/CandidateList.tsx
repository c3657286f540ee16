import type { Candidate } from './completion';

interface CandidateListProps {
  readonly candidates: readonly Candidate[];
  /** The candidate shown in place of the word while Tab cycles, or null. */
  readonly current: number | null;
  readonly onChoose: (candidate: Candidate) => void;
}

/** What Tab could put at the caret, each a button that puts it there. */
export function CandidateList({ candidates, current, onChoose }: CandidateListProps) {
  return (
    <ul className="candidates" aria-label="Completions">
      {candidates.slice(0, 24).map((candidate, index) => (
        <li key={candidate.text}>
          <button
            type="button"
            className="candidate"
            aria-current={current === index ? 'true' : undefined}
            // Keep the focus in the prompt: a click puts the candidate in place.
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => onChoose(candidate)}
          >
            {candidate.text}
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * For screen readers: how Tab works (the input's description), and what the last Tab did (the
 * list of candidates is not in the reading order).
 */
export function CompletionStatus({ announcement }: { readonly announcement: string }) {
  return (
    <>
      <p id="command-keys" className="visually-hidden">
        Tab completes the command, its options and their values; pressed again, it goes through the
        choices, and Enter takes the one shown.
      </p>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
    </>
  );
}
