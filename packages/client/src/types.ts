import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './router.js';

/** What each procedure takes: `RouterInputs['exec']['execute']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** What each procedure returns: `RouterOutputs['exec']['byId']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** One event of `exec.onOutput`: a piece of output or the end. */
export type ExecutionEvent =
  RouterOutputs['exec']['onOutput'] extends AsyncIterable<infer Tracked>
    ? Tracked extends { data: infer Event }
      ? Event
      : never
    : never;
/** Output as the program wrote it: `data` holds the bytes, unchanged. */
export type OutputEvent = Extract<ExecutionEvent, { type: 'output' }>;
/** The last event of an execution: how it ended. */
export type ExecutionEnd = Extract<ExecutionEvent, { type: 'end' }>;
/** Where an execution stands: `running`, `completed`, `refused`, ... */
export type ExecutionState = RouterOutputs['exec']['byId']['status'];
/** One attempt, allowed or refused, as `exec.byId` and `exec.list` return it. */
export type ExecutionRecord = RouterOutputs['exec']['byId'];
/** A target the user may use, with the commands allowed there. */
export type TargetView = RouterOutputs['targets']['list'][number];
/** The signed-in user, as `auth.me` returns it. */
export type SignedInUser = RouterOutputs['auth']['me'];
