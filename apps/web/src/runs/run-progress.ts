import type { FollowPhase, RunFollower, RunHost, RunStatus, RunSummary } from '@ogent/client';
import { VersionedSource } from '../output/use-frame-version';

/**
 * A run's live progress for the view, from a follower of `runs.onProgress` (`client.followRun`),
 * which keeps every host in its latest state (applying an event costs the hosts it carries, not
 * the run's) and resumes after a dropped connection. This only tells the view that something
 * changed, at every event and change of phase; views re-render at most once a frame, and not
 * more often than they choose (useFrameVersion), however many events a thousand hosts send.
 */
export class RunProgress extends VersionedSource {
  constructor(private readonly follower: RunFollower) {
    super();
    follower.listen({ event: () => this.changed(), phase: () => this.changed() });
  }

  /** Every host heard of, by target; changed in place (`version` says when). */
  get hosts(): ReadonlyMap<string, RunHost> {
    return this.follower.hosts;
  }

  get summary(): RunSummary | null {
    return this.follower.summary;
  }

  /** The run's status as last reported; null before the first event. */
  get status(): RunStatus | null {
    return this.follower.status;
  }

  /** Why the run stopped early, once it has ended (null when it ran to the end). */
  get stopReason(): string | null {
    return this.follower.end?.stopReason ?? null;
  }

  /** Where following stands (not the run's own status). */
  get phase(): FollowPhase {
    return this.follower.phase;
  }

  get error(): unknown {
    return this.follower.error;
  }

  /** Starts following, or resumes after the last event (after `stop()`, or a failure). */
  start(): void {
    this.follower.start();
  }

  stop(): void {
    this.follower.stop();
  }
}
