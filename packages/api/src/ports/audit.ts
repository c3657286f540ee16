import type { AuditEntry, AuditEvent } from '../domain/audit-chain.js';

/**
 * The audit trail: events chained by hash. Appends are serialized everywhere (one writer in
 * SQLite; a locked head row in PostgreSQL), so instances sharing a database extend one chain.
 */
export interface AuditStore {
  /** Chains the entries after the current head and stores them, in one transaction. */
  append(entries: readonly AuditEntry[]): Promise<AuditEvent[]>;
  /** Events with id > afterId, in order, at most `limit`. */
  after(afterId: number, limit: number): Promise<AuditEvent[]>;
  /** The last event's id and hash as the store's head says (0 and GENESIS_HASH when empty). */
  head(): Promise<{ id: number; hash: string }>;
}
