import type { ExecutionEvent, FollowPhase, Follower } from '@ogent/client';
import { OutputBuffer } from '../output/output-buffer';
import { VersionedSource } from '../output/use-frame-version';

/**
 * One execution's output gathered into an OutputBuffer for the pane, from a follower of
 * `exec.onOutput` (`client.followOutput`): the follower subscribes, resumes after a dropped
 * connection and drops what it has delivered; this only keeps the events and tells the view,
 * at every event and at every change of phase, that something changed.
 */
export class ExecutionFeed extends VersionedSource {
  readonly buffer = new OutputBuffer();

  constructor(private readonly follower: Follower<ExecutionEvent>) {
    super();
    this.buffer.subscribe(() => this.changed());
    follower.listen({
      event: (event) => this.buffer.push(event),
      phase: () => this.changed(),
    });
  }

  /** Where following stands (not the execution's own status). */
  get phase(): FollowPhase {
    return this.follower.phase;
  }

  /** Why the output could not be followed (phase `failed`), else null. */
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
