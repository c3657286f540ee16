/**
 * The searchable text of executions' output, in the database's own full-text index (SQLite's
 * FTS5, PostgreSQL's tsvector): the first `search.outputBytes` of each execution's output,
 * written once it has ended. `ExecutionRecords.list({ text })` searches it.
 */
export interface OutputSearchIndex {
  /** Stores an execution's searchable text, replacing what was indexed for it before. */
  index(executionId: string, text: string): Promise<void>;
  /** Deletes these executions' indexed text (retention, with their output or their record). */
  remove(executionIds: readonly string[]): Promise<void>;
}
