import type { Logger } from '../logger.js';
import type { AuditStore } from '../ports/audit.js';
import type { AuditEntry } from '../domain/audit-chain.js';

/**
 * Records audit events with group commit: entries that arrive while an append is in flight go
 * into the next one, so the trail costs one transaction per batch, not per event.
 */
export class AuditTrail {
  private queue: { entry: AuditEntry; done: (error?: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the entry is stored; rejects if it could not be. */
  record(entry: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        entry,
        done: (error) => {
          if (error === undefined) resolve();
          else
            reject(
              error instanceof Error
                ? error
                : new Error('could not record an audit event', { cause: error }),
            );
        },
      });
      this.flushing ??= this.flush();
    });
  }

  /** Records without waiting; a failure is logged (the action it records has happened). */
  note(entry: AuditEntry): void {
    this.record(entry).catch((error: unknown) =>
      this.logger.error({ err: error, type: entry.type }, 'could not record an audit event'),
    );
  }

  /** Resolves when everything recorded so far is stored (or failed). */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.store.append(batch.map((b) => b.entry));
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.done(error);
      }
    }
    this.flushing = undefined;
  }
}
