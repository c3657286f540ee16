import type { Clock, TimerHandle } from '@ogent/executor';
import { auditEntry } from '../domain/audit-chain.js';
import type { AuditTrail } from '../audit/trail.js';
import { type RetentionConfig, durationMs } from '../config.js';
import type { Logger } from '../logger.js';
import type { Coordination } from '../ports/coordination.js';
import type { OutputLog } from '../ports/output-log.js';
import type { OutputSearchIndex } from '../ports/output-search.js';
import type { ExecutionRecords } from '../ports/records.js';
import type { RunStore } from '../ports/runs.js';

/** What one pruning pass did. */
export interface PruneReport {
  /** Executions whose output was deleted (by age or by the cap). */
  readonly outputsPruned: number;
  readonly bytesFreed: number;
  readonly recordsDeleted: number;
  readonly runsDeleted: number;
  readonly durationMs: number;
}

/** Stored output and what retention will free next, for admins (`/healthz`). */
export interface StorageReport {
  readonly executions: number;
  readonly outputBytes: number;
  readonly maxOutputBytes: number | null;
  /** When the next pruning pass runs (ms since the epoch), or null when it is not scheduled. */
  readonly nextPruneAt: number | null;
  /** Output bytes that pass would delete by age and by the cap, as things stand now. */
  readonly nextPruneFrees: number;
}

/** Ids handled per query. */
const BATCH = 1_000;
/** The pruning lock's lease: one instance prunes at a time, and a dead one's lock lapses. */
const LOCK_TTL_MS = 60_000;
const LOCK = 'retention-prune';

export interface RetentionDeps {
  readonly records: ExecutionRecords;
  readonly log: OutputLog;
  readonly runs: RunStore;
  readonly coordination: Coordination;
  readonly config: RetentionConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly instanceId: string;
  readonly audit?: AuditTrail;
  /** Output search: the indexed text goes with the output, and with the record. */
  readonly search?: OutputSearchIndex;
}

/**
 * Retention: deletes the output of executions that ended long enough ago (their records stay,
 * marked as pruned), then records older still (and fleet runs), then, over the cap on stored
 * output, the output of the oldest ended executions. Never touches a running execution, and
 * never the audit trail. In a cluster one instance prunes at a time (a lease in coordination).
 */
export class RetentionService {
  private timer: TimerHandle | undefined;
  private nextAt: number | null = null;
  private running: Promise<PruneReport | undefined> | undefined;

  constructor(private readonly deps: RetentionDeps) {}

  /** Prunes now and then every `retention.every`. */
  start(): void {
    const every = durationMs(this.deps.config.every);
    const schedule = (delay: number): void => {
      this.nextAt = this.deps.clock.now() + delay;
      this.timer = this.deps.clock.setTimeout(() => {
        this.prune()
          .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'pruning failed'))
          .finally(() => schedule(every));
      }, delay);
    };
    schedule(Math.min(every, 5_000));
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.nextAt = null;
    await this.running;
  }

  /**
   * One pruning pass, if no other instance is pruning (undefined then). Logged and audited when
   * it deleted anything.
   */
  prune(): Promise<PruneReport | undefined> {
    this.running ??= this.pruneLocked().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async storage(): Promise<StorageReport> {
    const { config } = this.deps;
    const stored = await this.deps.records.storage();
    let frees = 0;
    const outputBefore = this.outputBefore();
    if (outputBefore !== undefined) {
      const aged = await this.deps.records.withOutput({
        finishedBefore: outputBefore,
        limit: 100_000,
      });
      frees += aged.reduce((sum, e) => sum + e.outputBytes, 0);
    }
    if (config.maxOutputBytes !== undefined)
      frees = Math.max(frees, stored.outputBytes - config.maxOutputBytes);
    return {
      ...stored,
      maxOutputBytes: config.maxOutputBytes ?? null,
      nextPruneAt: this.nextAt,
      nextPruneFrees: Math.max(0, frees),
    };
  }

  private outputBefore(): number | undefined {
    const { output } = this.deps.config;
    return output === 'off' ? undefined : this.deps.clock.now() - durationMs(output);
  }

  private async pruneLocked(): Promise<PruneReport | undefined> {
    const { coordination, instanceId, clock } = this.deps;
    const owner = await coordination.ownerOf(LOCK);
    if (owner !== undefined && owner !== instanceId) return undefined;
    await coordination.claim(LOCK, instanceId, LOCK_TTL_MS);
    const started = clock.now();
    try {
      const report = await this.pruneAll(started);
      if (report.outputsPruned + report.recordsDeleted + report.runsDeleted > 0) {
        this.deps.logger.info({ ...report }, 'retention pruned old data');
        await this.deps.audit?.record(
          auditEntry({
            type: 'retention.prune',
            at: clock.now(),
            actor: null,
            address: null,
            subject: null,
            data: { ...report },
          }),
        );
      }
      return report;
    } finally {
      await coordination.release(LOCK, instanceId);
    }
  }

  private async pruneAll(started: number): Promise<PruneReport> {
    const { records, log, runs, config, clock, coordination, instanceId } = this.deps;
    let outputsPruned = 0;
    let bytesFreed = 0;
    let recordsDeleted = 0;
    let runsDeleted = 0;
    const pruneOutputs = async (batch: { id: string; outputBytes: number }[]): Promise<void> => {
      const ids = batch.map((e) => e.id);
      // Marked first: a reader then knows the output is going, rather than finding it short.
      await records.markOutputPruned(ids, clock.now());
      await log.discard(ids);
      await this.deps.search?.remove(ids);
      outputsPruned += ids.length;
      bytesFreed += batch.reduce((sum, e) => sum + e.outputBytes, 0);
      await coordination.claim(LOCK, instanceId, LOCK_TTL_MS);
    };

    const outputBefore = this.outputBefore();
    if (outputBefore !== undefined) {
      for (;;) {
        const batch = await records.withOutput({ finishedBefore: outputBefore, limit: BATCH });
        if (batch.length === 0) break;
        await pruneOutputs(batch);
      }
    }
    if (config.records !== 'off') {
      const before = clock.now() - durationMs(config.records);
      for (;;) {
        const ids = await records.deleteEnded(before, BATCH);
        if (ids.length === 0) break;
        await log.discard(ids);
        await this.deps.search?.remove(ids);
        recordsDeleted += ids.length;
        await coordination.claim(LOCK, instanceId, LOCK_TTL_MS);
      }
      runsDeleted = await runs.deleteEnded(before);
    }
    if (config.maxOutputBytes !== undefined) {
      let { outputBytes } = await records.storage();
      while (outputBytes > config.maxOutputBytes) {
        const oldest = await records.withOutput({ limit: 100 });
        if (oldest.length === 0) break;
        // Only as many as it takes to get under the cap.
        const batch: { id: string; outputBytes: number }[] = [];
        for (const e of oldest) {
          if (outputBytes <= config.maxOutputBytes) break;
          batch.push(e);
          outputBytes -= e.outputBytes;
        }
        await pruneOutputs(batch);
      }
    }
    return {
      outputsPruned,
      bytesFreed,
      recordsDeleted,
      runsDeleted,
      durationMs: clock.now() - started,
    };
  }
}
