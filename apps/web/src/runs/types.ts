import type { RouterInputs, RouterOutputs } from '../api/types.js';

/**
 * What the console knows of fleet runs: the shapes `runs.*` take and return, inferred from the
 * router as the rest of the console's types are.
 */
export type RunView = RouterOutputs['runs']['byId'];
export type RunHost = RunView['hosts'][number];
export type RunGroup = RunView['groups'][number];
export type RunSummary = RunView['summary'];
export type RunStatus = RunView['status'];
export type HostStatus = RunHost['status'];
export type RunListItem = RouterOutputs['runs']['list']['items'][number];
export type RunPreview = RouterOutputs['runs']['preview'];
export type PreviewTarget = RunPreview['targets'][number];
export type StartRunInput = RouterInputs['runs']['start'];

/** One event of `runs.onProgress`: changed hosts with the counts, or the end. */
export type RunProgressEvent =
  RouterOutputs['runs']['onProgress'] extends AsyncIterable<infer Event>
    ? Event extends { data: infer Data }
      ? Data
      : Event
    : never;
