import type {
  ExecutionListItem,
  ExecutionOutcome,
  ExecutionQuery,
  ExecutionRecord,
} from '../domain/execution.js';

/**
 * Execution records: every attempt, allowed or refused, is one (the audit trail). Implemented on
 * SQLite for the single node; the contract suite in `@ogent/api/testing` says what any
 * implementation must do.
 */
export interface ExecutionRecords {
  /** Throws DuplicateIdempotencyKeyError when (username, idempotencyKey) is taken. */
  insert(record: ExecutionRecord): Promise<void>;
  get(id: string): Promise<ExecutionRecord | undefined>;
  findByIdempotencyKey(username: string, key: string): Promise<ExecutionRecord | undefined>;
  /** Writes how a running execution ended; does nothing to one that has already ended. */
  finish(id: string, outcome: ExecutionOutcome): Promise<void>;
  /**
   * Newest first, a page at a time. With `text`, also through the output's indexed text (see
   * `OutputSearchIndex`), each item with its snippet.
   */
  list(query: ExecutionQuery): Promise<{ items: ExecutionListItem[]; nextCursor: string | null }>;
  /** Executions recorded as running, oldest first (to recover those nobody runs any more). */
  running(): Promise<ExecutionRecord[]>;
  /**
   * Ended executions whose output is still stored, oldest end first, at most `limit`; with
   * `finishedBefore`, only those that ended before it. Never a running one.
   */
  withOutput(query: {
    readonly finishedBefore?: number;
    readonly limit: number;
  }): Promise<{ id: string; outputBytes: number }[]>;
  /** Marks these executions' output as pruned (at `at`). */
  markOutputPruned(ids: readonly string[], at: number): Promise<void>;
  /** Deletes up to `limit` records of executions that ended before `finishedBefore`; their ids. */
  deleteEnded(finishedBefore: number, limit: number): Promise<string[]>;
  /** How many records there are, and the bytes of output still stored. */
  storage(): Promise<{ executions: number; outputBytes: number }>;
}
