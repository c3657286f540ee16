import type { RouterInputs, RouterOutputs } from '@ogent/client';

/**
 * What the console knows of the server's types: only what the router's procedures take and
 * return, inferred from `AppRouter`, never the server's own domain types.
 */
export type { RouterInputs, RouterOutputs };

export type ExecutionRecord = RouterOutputs['exec']['byId'];
/** A listed execution: with a text search, a snippet of the output where it matched. */
export type ExecutionListItem = RouterOutputs['exec']['list']['items'][number];
export type ExecutionState = ExecutionRecord['status'];
export type TargetView = RouterOutputs['targets']['list'][number];
export type CommandHint = TargetView['commands'][number];
export type SignedInUser = RouterOutputs['auth']['me'];
/** One event of `exec.onOutput`: a piece of output, or the end. */
export type ExecutionMessage =
  RouterOutputs['exec']['onOutput'] extends AsyncIterable<infer Event>
    ? Event extends { data: infer Data }
      ? Data
      : Event
    : never;
export type EndMessage = Extract<ExecutionMessage, { type: 'end' }>;
