import type { OutputChunk, StoredChunk } from '../domain/execution.js';

/**
 * Every execution's output, numbered from 1: what watchers read once it has left the live bus,
 * and what a finished execution is replayed from.
 */
export interface OutputLog {
  /** Appends chunks of any number of executions at once (one transaction where it has them). */
  appendOutput(chunks: readonly StoredChunk[]): Promise<void>;
  /** Chunks with seq >= fromSeq, in order, until about maxBytes (at least one if any). */
  readOutput(executionId: string, fromSeq: number, maxBytes: number): Promise<OutputChunk[]>;
  /** The last seq stored and the bytes stored, for an execution whose runner is gone. */
  summary(executionId: string): Promise<{ lastSeq: number; outputBytes: number }>;
  /** Deletes these executions' stored output (retention); their records stay. */
  discard(executionIds: readonly string[]): Promise<void>;
  /** No more output will come for this execution (its runner has stored all): free what it held. */
  complete(executionId: string): Promise<void>;
}
