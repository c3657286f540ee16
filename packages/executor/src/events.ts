import type { ExecutorErrorCode } from './errors.js';

export type OutputStreamName = 'stdout' | 'stderr';

/** A piece of output, in the order it arrived. Consecutive pieces of one stream may be merged. */
export interface OutputEvent {
  readonly type: 'output';
  readonly stream: OutputStreamName;
  readonly data: Buffer;
}

/**
 * How an execution ended:
 * - `completed`: the program ran to its end (any exit code, or killed by a signal it did not get
 *   from us);
 * - `failed`: it could not be started, or the connection to the target was lost;
 * - `cancelled`, `timed_out`: we stopped it on request or at its deadline;
 * - `truncated`: it printed more than the output cap, so we stopped it;
 * - `refused`: a path argument, resolved on the target, lies outside what the policy allows, so
 *   the program was not run.
 */
export type ExecutionStatus =
  'completed' | 'failed' | 'cancelled' | 'timed_out' | 'truncated' | 'refused';

/** Always the last event, exactly once. */
export interface ExitEvent {
  readonly type: 'exit';
  readonly status: ExecutionStatus;
  /** The program's exit code, or null if it was killed by a signal or never ran. */
  readonly exitCode: number | null;
  /** The signal that killed it (`TERM`, `KILL`, ...), or null. */
  readonly signal: string | null;
  /** From the moment the process started (or the attempt began, if it never did) to its end. */
  readonly durationMs: number;
  readonly truncated: boolean;
  /** Bytes of output delivered (after truncation). */
  readonly outputBytes: number;
  readonly error?: { readonly code: ExecutorErrorCode; readonly message: string };
}

export type ExecEvent = OutputEvent | ExitEvent;
