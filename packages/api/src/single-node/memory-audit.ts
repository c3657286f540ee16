import { type AuditEntry, type AuditEvent, GENESIS_HASH, chain } from '../domain/audit-chain.js';
import type { AuditStore } from '../ports/audit.js';

/** The audit trail in memory: the reference for the SQL stores, and for tests. */
export class MemoryAuditStore implements AuditStore {
  readonly events: AuditEvent[] = [];

  append(entries: readonly AuditEntry[]): Promise<AuditEvent[]> {
    const last = this.events.at(-1);
    const added = chain({ id: last?.id ?? 0, hash: last?.hash ?? GENESIS_HASH }, entries);
    this.events.push(...added);
    return Promise.resolve(added);
  }

  after(afterId: number, limit: number): Promise<AuditEvent[]> {
    return Promise.resolve(this.events.filter((e) => e.id > afterId).slice(0, limit));
  }

  head(): Promise<{ id: number; hash: string }> {
    const last = this.events.at(-1);
    return Promise.resolve({ id: last?.id ?? 0, hash: last?.hash ?? GENESIS_HASH });
  }
}
