import type { ExecutionOutcome, ExecutionQuery, ExecutionRecord } from '../executions/types.js';

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
  list(query: ExecutionQuery): Promise<{ items: ExecutionRecord[]; nextCursor: string | null }>;
  /** Executions recorded as running, oldest first (to recover those nobody runs any more). */
  running(): Promise<ExecutionRecord[]>;
}
