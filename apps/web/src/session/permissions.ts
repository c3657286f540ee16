import type { SignedInUser } from '../api/types.js';

/** Who started a piece of work (an execution or a fleet run) and whether it is still going. */
export interface CancellableWork {
  readonly username: string;
  readonly running: boolean;
}

/**
 * Whether the signed-in user may cancel the work: only while it runs, and only their own unless
 * their role may cancel anyone's (`cancelAll`). The server decides again on every cancel; this
 * one answer keeps the execution pane and the run view from offering a button the server would
 * refuse, and from disagreeing with each other.
 */
export function mayCancel(
  user: Pick<SignedInUser, 'username' | 'cancelAll'>,
  work: CancellableWork | undefined,
): boolean {
  if (work === undefined || !work.running) return false;
  return work.username === user.username || user.cancelAll;
}

/**
 * Whether the signed-in user may retry a run's failed hosts: only their own run, once it has
 * ended, and only when some host failed, was cancelled or skipped (`retryable` of them).
 */
export function mayRetry(
  user: Pick<SignedInUser, 'username'>,
  run: CancellableWork | undefined,
  retryable: number,
): boolean {
  return run !== undefined && !run.running && run.username === user.username && retryable > 0;
}
