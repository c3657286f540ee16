import { keepPreviousData, skipToken } from '@tanstack/react-query';
import { trpc } from '../api/trpc';
import { useDebounced } from '../shared/use-debounced';
import type { RunPreview } from '../runs/types';
import { type TargetChoice, isFleet } from './target-choice';

/** Typing pauses this long before the preview asks the server again. */
const PREVIEW_DELAY_MS = 250;

export interface RunPreviewState {
  /** The last preview answered (possibly for what was typed a moment ago). */
  readonly data: RunPreview | undefined;
  /** Why the server could not answer (a bad selector, an unknown target), or null. */
  readonly error: unknown;
  /** The field or the command changed since the preview shown was asked for. */
  readonly stale: boolean;
}

/**
 * For a run (several targets or a selector): which targets it reaches and, for the command typed
 * so far, whether each allows it and why not, asked again a moment after typing stops.
 */
export function useRunPreview(choice: TargetChoice, command: string): RunPreviewState | null {
  const fleet = isFleet(choice);
  const names = !fleet ? null : choice.kind === 'selector' ? choice.selector : choice.ids.join(',');
  const current = { kind: fleet ? choice.kind : null, names, command: command.trim() };
  const key = JSON.stringify(current);
  const settledKey = useDebounced(key, PREVIEW_DELAY_MS);
  const settled = settledKey === key ? current : (JSON.parse(settledKey) as typeof current);
  const input =
    settled.kind === null || settled.names === null
      ? skipToken
      : {
          ...(settled.kind === 'selector'
            ? { selector: settled.names }
            : { targets: settled.names.split(',') }),
          ...(settled.command === '' ? {} : { command: settled.command }),
        };
  const query = trpc.runs.preview.useQuery(input, {
    placeholderData: keepPreviousData,
    staleTime: 10_000,
    // A bad selector stays bad until it is edited.
    retry: false,
  });
  if (!fleet) return null;
  return {
    data: query.isError ? undefined : query.data,
    error: query.isError ? query.error : null,
    stale: settledKey !== key || query.isPlaceholderData || query.isFetching,
  };
}
