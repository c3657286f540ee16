import type { FollowPhase } from '@ogent/client';
import type { ExecutionEnd, ExecutionRecord, ExecutionState } from '../api/types.js';
import { STATUS_LABELS } from './status';

/** What the pane says about an execution, from its record and what the feed has seen. */
export interface ExecutionFacts {
  /** Null until either the record or the end has arrived. */
  readonly status: ExecutionState | null;
  readonly running: boolean;
  readonly ended: boolean;
  readonly refused: boolean;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** How long the command ran, once it has ended. */
  readonly duration: number | null;
  /** How long it has been running so far, while it runs. */
  readonly elapsed: number | null;
  /** Why it failed, as the end or the record says. */
  readonly problem: string | null;
  /** The output of an ended execution is being read back from the store. */
  readonly replaying: boolean;
  /** What the output area shows while it has no rows. */
  readonly placeholder: string;
  /** Said to screen readers once it ends. */
  readonly announcement: string;
}

/**
 * Works out the pane's facts once, so header, body and footer agree: the end event (live) wins
 * over the record (which may be older), and a running record is running until the end arrives.
 */
export function executionFacts(
  info: ExecutionRecord | undefined,
  end: ExecutionEnd | null,
  phase: FollowPhase,
  now: number,
): ExecutionFacts {
  const status: ExecutionState | null =
    end?.status ??
    (info === undefined ? null : info.status === 'running' ? 'running' : info.status);
  const running = status === 'running';
  const ended = end !== null;
  const exitCode = end?.exitCode ?? info?.exitCode ?? null;
  const replaying = info !== undefined && info.status !== 'running' && !ended && phase !== 'failed';
  return {
    status,
    running,
    ended,
    refused: status === 'refused',
    exitCode,
    signal: end?.signal ?? info?.signal ?? null,
    duration: end?.execTime ?? (running ? null : (info?.durationMs ?? null)),
    elapsed: running && info !== undefined ? Math.max(0, now - info.createdAt) : null,
    problem: end?.error?.message ?? info?.error ?? null,
    replaying,
    placeholder: replaying ? 'Loading output…' : ended ? 'No output.' : 'Waiting for output…',
    announcement:
      ended && status !== null
        ? `${STATUS_LABELS[status]}${exitCode === null ? '' : `, exit code ${exitCode}`}`
        : '',
  };
}
