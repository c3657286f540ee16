import type { Clock } from '@ogent/executor';
import { CommandRefusedError, isDomainError } from '../errors.js';
import type { Principal } from '../executions/admission.js';
import type { ExecutionService } from '../executions/service.js';
import type { Logger } from '../logger.js';
import type { RunStore } from '../ports/runs.js';
import type { BackgroundWork } from './background.js';
import { hostChange, reduceHost } from './host-reducer.js';
import type { HostLedger } from './host-ledger.js';
import { startableBefore } from './plan.js';
import type { RunHost, RunRecord } from '../domain/run.js';

export interface RunSchedulerDeps {
  readonly store: RunStore;
  readonly executions: Pick<ExecutionService, 'executeForRun'>;
  readonly ledger: HostLedger;
  readonly work: BackgroundWork;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly instanceId: string;
  readonly changed: (runId: string) => void;
}

/** The user a run acts for: who started it, with the roles they had then. */
export function requesterOf(run: Pick<RunRecord, 'username' | 'roles'>): Principal {
  return { username: run.username, roles: run.roles };
}

/**
 * Starts hosts: claims this instance's share of a run's free window (within the current batch)
 * with the run locked, then admits each claimed host's execution on behalf of the run's
 * requester.
 */
export class RunScheduler {
  /** Instances alive, as last announced: each takes its share of a run's window. */
  instances = 1;
  private readonly kicking = new Map<string, { again: boolean }>();

  constructor(private readonly deps: RunSchedulerDeps) {}

  /** Takes and starts this instance's share of the run's free window; again if asked meanwhile. */
  kick(id: string): void {
    if (this.deps.work.closing) return;
    const busy = this.kicking.get(id);
    if (busy !== undefined) {
      busy.again = true;
      return;
    }
    const state = { again: false };
    this.kicking.set(id, state);
    this.deps.work.track(
      (async () => {
        try {
          do {
            state.again = false;
            await this.startHosts(id);
          } while (state.again && !this.deps.work.closing);
        } catch (error) {
          this.deps.logger.warn({ err: error, runId: id }, 'could not start hosts of a run');
        } finally {
          this.kicking.delete(id);
        }
      })(),
    );
  }

  private async startHosts(id: string): Promise<void> {
    const claimed = await this.claim(id);
    if (claimed === undefined) return;
    this.deps.changed(id);
    await Promise.all(claimed.hosts.map((host) => this.startHost(claimed.run, host)));
  }

  /** Claims the hosts that fit in the window and this instance's share of it. */
  private claim(id: string): Promise<{ run: RunRecord; hosts: RunHost[] } | undefined> {
    const { instanceId, clock } = this.deps;
    return this.deps.store.transact(id, async (tx) => {
      const { run } = tx;
      if (run.status !== 'running' || run.stop !== null) return undefined;
      const counts = await tx.counts();
      const share = Math.ceil(run.options.concurrency / Math.max(1, this.instances));
      const mine = await tx.runningOn(instanceId);
      const room = Math.min(run.options.concurrency - (counts.running ?? 0), share - mine);
      if (room <= 0) return undefined;
      const before = startableBefore(run.total, run.options.batches, await tx.firstUnfinished());
      const hosts = await tx.pendingBefore(before, room);
      const first = hosts[0];
      if (first === undefined) return undefined;
      // Pending hosts are all in their first state: one claim's change fits them all.
      const change = hostChange(
        reduceHost(first, { type: 'claimed', instance: instanceId, at: clock.now() }),
      );
      await tx.updateHosts(
        hosts.map((h) => h.position),
        change,
      );
      return { run, hosts };
    });
  }

  /** Admits and starts one host's execution; a refusal or a failure to start ends the host. */
  private async startHost(run: RunRecord, host: RunHost): Promise<void> {
    const { ledger } = this.deps;
    try {
      const { executionId } = await this.deps.executions.executeForRun(
        requesterOf(run),
        { id: run.id, position: host.position },
        {
          target: host.target,
          command: run.command,
          source: run.source,
          timeoutMs: run.options.hostTimeoutMs,
        },
      );
      await ledger.apply(run.id, host.position, { type: 'started', executionId });
    } catch (error) {
      const at = this.deps.clock.now();
      if (error instanceof CommandRefusedError) {
        const { code, reason } = error.refusal;
        await ledger.apply(run.id, host.position, {
          type: 'refused',
          executionId: error.executionId,
          error: { code, message: reason },
          at,
        });
        return;
      }
      if (isDomainError(error) && error.code === 'unavailable') {
        // Shutting down, or storage away for a moment: the host waits for the next try (a
        // tick here, or another instance), it has not failed.
        await ledger.apply(run.id, host.position, { type: 'released' });
        return;
      }
      this.deps.logger.warn(
        { err: error, runId: run.id, target: host.target },
        'run host failed to start',
      );
      await ledger.apply(run.id, host.position, {
        type: 'failed',
        error: {
          code: isDomainError(error) ? error.code : 'internal',
          message: isDomainError(error) ? error.message : 'The command could not be started.',
        },
        at,
      });
    }
  }
}
