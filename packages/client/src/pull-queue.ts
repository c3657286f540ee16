import type { Follower } from './follower.js';

export interface PullQueueOptions<Event> {
  /** Bytes an event holds (0 for small ones): what counts toward the water marks. */
  readonly size: (event: Event) => number;
  /** Past this many bytes unread the follower stops; the server keeps the rest in its log. */
  readonly highWaterBytes: number;
  /** Once the reader is down to this many, the follower resumes after the last event queued. */
  readonly lowWaterBytes: number;
}

/**
 * A follower's events for a reader that pulls them (an async iterator): they queue here until
 * read. The queue is bounded by stopping the follower, not by dropping anything: past the high
 * water mark it unsubscribes, and it subscribes again after the last event queued once the
 * reader has caught up to the low water mark, so a slow reader costs no memory here (nor on the
 * server). Starts the follower; `close()` stops it.
 */
export class PullQueue<Event extends { readonly seq: number }> {
  private readonly queue: Event[] = [];
  private queuedBytes = 0;
  private paused = false;
  private wake: (() => void) | undefined;
  private readonly stopListening: () => void;

  constructor(
    private readonly follower: Follower<Event>,
    private readonly options: PullQueueOptions<Event>,
  ) {
    this.stopListening = follower.listen({
      event: (event) => this.push(event),
      phase: () => this.wakeReader(),
    });
    follower.start();
  }

  /**
   * The next event, in order; throws the follower's error once every event before the failure
   * has been read. Not to be called again after the end event.
   */
  async next(): Promise<Event> {
    for (;;) {
      const event = this.queue.shift();
      if (event !== undefined) {
        this.queuedBytes -= this.options.size(event);
        if (this.paused && this.queuedBytes <= this.options.lowWaterBytes) {
          this.paused = false;
          this.follower.start();
        }
        return event;
      }
      if (this.follower.phase === 'failed') throw this.follower.error;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Stops following and forgets the listener. */
  close(): void {
    this.stopListening();
    this.follower.stop();
  }

  private push(event: Event): void {
    this.queue.push(event);
    this.queuedBytes += this.options.size(event);
    if (this.queuedBytes > this.options.highWaterBytes && this.follower.phase !== 'ended') {
      this.paused = true;
      this.follower.stop();
    }
    this.wakeReader();
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
