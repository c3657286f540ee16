import type { AuthUser } from '../domain/user.js';
import { DomainError } from '../errors.js';
import type { AuditStore } from '../ports/audit.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import { verifyChain, type ChainCheck } from '../domain/audit-chain.js';

/** Reading the audit trail: roles with `audit` only. */
export class AuditAccess {
  constructor(private readonly store: AuditStore) {}

  /** Events after `afterId`, in order, at most `limit`. Throws `forbidden` without the role. */
  async after(user: AuthUser, afterId: number, limit: number): Promise<AuditEvent[]> {
    this.check(user);
    return this.store.after(afterId, limit);
  }

  /** Checks the whole chain (see {@link verifyChain}). */
  verify(user: AuthUser): Promise<ChainCheck> {
    this.check(user);
    return verifyAuditStore(this.store);
  }

  private check(user: AuthUser): void {
    if (user.readAudit !== true) {
      throw new DomainError(
        'forbidden',
        'Reading the audit trail needs a role with `audit: true`.',
      );
    }
  }
}

/** Checks a store's chain from its first event to its head, 5,000 events at a time. */
export async function verifyAuditStore(store: AuditStore): Promise<ChainCheck> {
  return verifyChain((afterId) => store.after(afterId, 5_000), await store.head());
}
