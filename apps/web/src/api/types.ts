import type { RouterOutputs, TargetView } from '@ogent/client';

/**
 * What the console knows of the server's types: the client package's, and what the router's
 * procedures take and return, inferred from `AppRouter`, never the server's own domain types.
 */
export type {
  ExecutionEnd,
  ExecutionRecord,
  ExecutionState,
  RouterInputs,
  RouterOutputs,
  SignedInUser,
  TargetView,
} from '@ogent/client';

/** A listed execution: with a text search, a snippet of the output where it matched. */
export type ExecutionListItem = RouterOutputs['exec']['list']['items'][number];
export type CommandHint = TargetView['commands'][number];
