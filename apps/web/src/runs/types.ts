import type { RunView } from '@ogent/client';
import type { RouterInputs, RouterOutputs } from '../api/types.js';

/**
 * What the console knows of fleet runs: the client package's types and statuses, and the shapes
 * `runs.*` take and return, inferred from the router as the rest of the console's types are.
 */
export type { HostStatus, RunHost, RunStatus, RunSummary, RunView } from '@ogent/client';

export type RunGroup = RunView['groups'][number];
export type RunListItem = RouterOutputs['runs']['list']['items'][number];
export type RunPreview = RouterOutputs['runs']['preview'];
export type PreviewTarget = RunPreview['targets'][number];
export type StartRunInput = RouterInputs['runs']['start'];
