import type { OutputStreamName } from '@ogent/executor';
import type { ExecutionState } from '../contract.js';

// The states are the contract's: clients import the same constants from @ogent/client.
export { EXECUTION_STATES, type ExecutionState } from '../contract.js';

/** One attempt, allowed or refused: the audit record. */
export interface ExecutionRecord {
  readonly id: string;
  readonly username: string;
  readonly target: string;
  /** Exactly what the user typed. */
  readonly input: string;
  readonly decision: 'allowed' | 'refused';
  /** The rule that decided (`commands.ls`, `input.syntax`, `roles.targets`, ...). */
  readonly rule: string;
  readonly refusalCode: string | null;
  readonly reason: string | null;
  /** What ran on the target, for allowed attempts. */
  readonly argv: readonly string[] | null;
  readonly status: ExecutionState;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Why it failed or was refused on the target, for people. */
  readonly error: string | null;
  /** The same, for programs: the executor's code (`host_key_mismatch`, `connection_lost`, ...). */
  readonly errorCode: string | null;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly durationMs: number | null;
  readonly outputBytes: number;
  /**
   * Lines of output, both streams: its newlines, plus each stream's last line when it was left
   * unterminated. Null while it runs, and for executions recorded before lines were counted.
   */
  readonly outputLines: number | null;
  /** Number of the last output chunk stored. */
  readonly lastSeq: number;
  readonly truncated: boolean;
  /** The fleet run this execution is one host of, or null. */
  readonly runId: string | null;
  /** When retention deleted its output (the record stays), or null. */
  readonly outputPrunedAt: number | null;
  readonly idempotencyKey: string | null;
  /** Which interface the attempt came through. */
  readonly source: 'trpc' | 'http';
}

/** A stored piece of output. Numbered from 1 within an execution. */
export interface OutputChunk {
  readonly seq: number;
  readonly stream: OutputStreamName;
  readonly data: Buffer;
  /**
   * When it arrived: milliseconds since the epoch, taken by the server (the runner's clock) as
   * the executor delivered the bytes. Null for output stored before arrival times were kept.
   */
  readonly at: number | null;
}

/** A chunk as the runner hands it to the output log: its arrival time is always known. */
export interface StoredChunk extends OutputChunk {
  readonly executionId: string;
  readonly at: number;
}

/**
 * When the bytes of an output message arrived: `[offset into data, ms since the epoch]`, one
 * pair per merged chunk whose time differs from the chunk before it, in order. A byte's time is
 * that of the last pair at or before its offset; bytes before the first pair (all of them when
 * the list is empty) have no known time: output stored before arrival times were kept.
 */
export type ArrivalTimes = readonly (readonly [offset: number, at: number])[];

/**
 * How an execution ended, written once. `refused` here: a path argument resolved on the target
 * outside what the policy allows, so the program never ran (`error` says which and why).
 */
export interface ExecutionOutcome {
  readonly status: Exclude<ExecutionState, 'running'>;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly error: string | null;
  readonly errorCode: string | null;
  readonly finishedAt: number;
  readonly durationMs: number;
  readonly outputBytes: number;
  /** See {@link ExecutionRecord.outputLines}; null when the output was not seen (recovered). */
  readonly outputLines: number | null;
  readonly lastSeq: number;
  readonly truncated: boolean;
}

export interface ExecutionQuery {
  /** Only this user's executions; undefined for everyone's. */
  readonly username?: string;
  readonly status?: ExecutionState;
  readonly target?: string;
  /** Substring of the input. */
  readonly search?: string;
  /**
   * Text search: the input contains it (ignoring case), or the indexed text of the output (its first
   * `search.outputBytes`) has every word of it, through the database's full-text index. Each
   * item then carries a `snippet`.
   */
  readonly text?: string;
  /** Only this fleet run's hosts. */
  readonly runId?: string;
  /** Leave fleet runs' hosts out (a run is listed as one, by `runs.list`). */
  readonly excludeRuns?: boolean;
  readonly limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

/** A piece of a search snippet: plain text, and whether it is (part of) what matched. */
export interface SnippetPart {
  readonly text: string;
  readonly match: boolean;
}

/** A listed execution: its record, and with a text search, where its output matched. */
export interface ExecutionListItem extends ExecutionRecord {
  /**
   * With `text`: a short excerpt of the indexed output around the match (at most about 200
   * characters, control characters removed), or null when only the command matched.
   */
  readonly snippet?: readonly SnippetPart[] | null;
}

/** Why an execution failed, in the end event: a code for programs, a message for people. */
export interface ExecutionError {
  /** The executor's code (`host_key_mismatch`, `connection_lost`, `path_refused`, ...). */
  readonly code: string;
  readonly message: string;
}

/** An output event as sent to clients: consecutive chunks of one stream, merged. */
export interface OutputMessage {
  readonly type: 'output';
  /** Number of the last chunk included: resume after it. */
  readonly seq: number;
  readonly stream: OutputStreamName;
  /** The bytes exactly as the program wrote them (decode with a streaming TextDecoder). */
  readonly data: Uint8Array;
  /** When they arrived, by offset into `data`. */
  readonly times: ArrivalTimes;
}

/** The final event: exactly one, after all output. */
export interface EndMessage {
  readonly type: 'end';
  readonly seq: number;
  readonly status: Exclude<ExecutionState, 'running'>;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Milliseconds the command ran. */
  readonly execTime: number | null;
  readonly truncated: boolean;
  readonly outputBytes: number;
  readonly error: ExecutionError | null;
}

export type ExecutionMessage = OutputMessage | EndMessage;
