import type { ExecutionStatus, OutputStreamName } from '@ogent/executor';

/**
 * Where an execution stands. `refused`: the policy said no and nothing ran (at admission, or on
 * the target when a path argument resolved outside its prefix). `interrupted`: the server
 * stopped (or crashed) while it ran.
 */
export type ExecutionState = 'refused' | 'running' | ExecutionStatus | 'interrupted';

export const EXECUTION_STATES = [
  'refused',
  'running',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'truncated',
  'interrupted',
] as const satisfies readonly ExecutionState[];

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
  readonly error: string | null;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly durationMs: number | null;
  readonly outputBytes: number;
  /** Number of the last output chunk stored. */
  readonly lastSeq: number;
  readonly truncated: boolean;
  readonly idempotencyKey: string | null;
  /** Which interface the attempt came through. */
  readonly source: 'trpc' | 'http';
}

/** A stored piece of output. Numbered from 1 within an execution. */
export interface OutputChunk {
  readonly seq: number;
  readonly stream: OutputStreamName;
  readonly data: Buffer;
}

export interface StoredChunk extends OutputChunk {
  readonly executionId: string;
}

/**
 * How an execution ended, written once. `refused` here: a path argument resolved on the target
 * outside what the policy allows, so the program never ran (`error` says which and why).
 */
export interface ExecutionOutcome {
  readonly status: Exclude<ExecutionState, 'running'>;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly error: string | null;
  readonly finishedAt: number;
  readonly durationMs: number;
  readonly outputBytes: number;
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
  readonly limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

/**
 * Persistence of executions and their output. Implemented by the server (SQLite by default);
 * the api layer needs only this.
 */
export interface ExecutionStore {
  insert(record: ExecutionRecord): Promise<void>;
  get(id: string): Promise<ExecutionRecord | undefined>;
  findByIdempotencyKey(username: string, key: string): Promise<ExecutionRecord | undefined>;
  finish(id: string, outcome: ExecutionOutcome): Promise<void>;
  /** Appends chunks of any number of executions in one transaction. */
  appendOutput(chunks: readonly StoredChunk[]): Promise<void>;
  /** Chunks with seq >= fromSeq, in order, until about maxBytes. */
  readOutput(executionId: string, fromSeq: number, maxBytes: number): Promise<OutputChunk[]>;
  list(query: ExecutionQuery): Promise<{ items: ExecutionRecord[]; nextCursor: string | null }>;
  /** Marks executions left `running` (by a crash or a stop) as `interrupted`; returns how many. */
  markRunningInterrupted(finishedAt: number): Promise<number>;
}

/** An output event as sent to clients: consecutive chunks of one stream, merged. */
export interface OutputMessage {
  readonly type: 'output';
  /** Number of the last chunk included: resume after it. */
  readonly seq: number;
  readonly stream: OutputStreamName;
  /** The bytes exactly as the program wrote them (decode with a streaming TextDecoder). */
  readonly data: Uint8Array;
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
  readonly error: string | null;
}

export type ExecutionMessage = OutputMessage | EndMessage;
