import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './router.js';

/** What each procedure takes: `RouterInputs['exec']['execute']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** What each procedure returns: `RouterOutputs['exec']['byId']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/**
 * The events of a subscription as its `onData` gets them, out of tRPC's tracking envelope
 * (`{ id, data }`): `TrackedEvent<RouterOutputs['runs']['onProgress']>`.
 */
export type TrackedEvent<Output> =
  Output extends AsyncIterable<infer Tracked>
    ? Tracked extends { data: infer Event }
      ? Event
      : Tracked
    : never;

/** One event of `exec.onOutput`: a piece of output or the end. */
export type ExecutionEvent = TrackedEvent<RouterOutputs['exec']['onOutput']>;
/** Output as the program wrote it: `data` holds the bytes, unchanged. */
export type OutputEvent = Extract<ExecutionEvent, { type: 'output' }>;
/** The last event of an execution: how it ended. */
export type ExecutionEnd = Extract<ExecutionEvent, { type: 'end' }>;
/** One attempt, allowed or refused, as `exec.byId` and `exec.list` return it. */
export type ExecutionRecord = RouterOutputs['exec']['byId'];
/** A target the user may use, with the commands allowed there. */
export type TargetView = RouterOutputs['targets']['list'][number];
/** The signed-in user, as `auth.me` returns it. */
export type SignedInUser = RouterOutputs['auth']['me'];

/** One event of `runs.onProgress`: the hosts that changed (with the summary), or the end. */
export type RunProgressEvent = TrackedEvent<RouterOutputs['runs']['onProgress']>;
/** The last event of a run's progress: how it ended, with the final counts. */
export type RunEnd = Extract<RunProgressEvent, { type: 'end' }>;
/** A run with every host, its summary and its groups, as `runs.byId` returns it. */
export type RunView = RouterOutputs['runs']['byId'];
/** One host of a run, in its latest state. */
export type RunHost = RunView['hosts'][number];
/** How many hosts of a run are in each status. */
export type RunSummary = RunView['summary'];
