import type { Clock, TimerHandle } from '@ogent/executor';
import { outcomeOfRecord } from '../executions/outcome.js';
import type { ExecutionService } from '../executions/service.js';
import type { Logger } from '../logger.js';
import type { Coordination } from '../ports/coordination.js';
import type { RunStore } from '../ports/runs.js';
import type { BackgroundWork } from './background.js';
import type { HostLedger } from './host-ledger.js';
import type { RunScheduler } from './scheduler.js';
import type { RunHost, RunRecord } from '../domain/run.js';

/** A claimed host whose execution never got recorded (its instance died) is failed after this. */
const ORPHAN_CLAIM_MS = 60_000;

export interface RunReconcilerDeps {
  readonly store: RunStore;
  readonly executions: Pick<ExecutionService, 'runsHere' | 'record'>;
  readonly coordination: Coordination;
  readonly ledger: HostLedger;
  readonly scheduler: RunScheduler;
  readonly work: BackgroundWork;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly instanceId: string;
  /** How often this instance looks at running runs for hosts to start or reconcile. */
  readonly tickMs: number;
}

/**
 * Every tick: says this instance is alive (the window's share depends on how many are), ends the
 * hosts whose instance died (their execution ended unseen, or never started), and starts what
 * fits. So a run goes on when the instance that started it dies.
 */
export class RunReconciler {
  private timer: TimerHandle | undefined;

  constructor(private readonly deps: RunReconcilerDeps) {}

  start(): void {
    const { work, clock, logger, tickMs } = this.deps;
    this.timer = clock.setTimeout(() => {
      work.track(
        this.tick()
          .catch((error: unknown) => logger.warn({ err: error }, 'run tick failed'))
          .finally(() => {
            if (!work.closing) this.start();
          }),
      );
    }, tickMs);
  }

  stop(): void {
    this.timer?.cancel();
  }

  private async tick(): Promise<void> {
    const { coordination, instanceId, store, tickMs } = this.deps;
    this.deps.scheduler.instances = await coordination.announce(instanceId, tickMs * 4);
    for (const run of await store.active()) {
      for (const host of await store.hosts(run.id, { status: 'running' })) {
        await this.reconcile(run, host);
      }
      this.deps.scheduler.kick(run.id);
    }
  }

  /** Ends a running host whose execution ended, or never began, where nobody saw it. */
  private async reconcile(run: RunRecord, host: RunHost): Promise<void> {
    const { clock, ledger, executions } = this.deps;
    const id = host.executionId;
    if (id === null) {
      if (host.startedAt !== null && clock.now() - host.startedAt > ORPHAN_CLAIM_MS) {
        await ledger.apply(run.id, host.position, {
          type: 'failed',
          error: { code: 'interrupted', message: 'The server starting it stopped.' },
          at: clock.now(),
        });
      }
      return;
    }
    // Running here, or its end being recorded from its lifecycle event: nothing to reconcile.
    if (executions.runsHere(id) || ledger.isEnding(id)) return;
    const record = await executions.record(id);
    const outcome = record === undefined ? undefined : outcomeOfRecord(record, clock.now());
    if (outcome === undefined) return;
    // Its instance is gone (recovery marked it interrupted): its output was not seen streaming,
    // so it has no digest.
    await ledger.apply(run.id, host.position, {
      type: 'ended',
      executionId: id,
      outcome,
      outputSha256: null,
    });
  }
}
