/**
 * Work a run owner started and nobody awaits (starting hosts, recording ends, ticks): tracked,
 * so that shutdown can wait for all of it, and refused once closing.
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<unknown>>();
  private stopping = false;

  /** Whether shutdown has begun: start nothing new. */
  get closing(): boolean {
    return this.stopping;
  }

  track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Refuses new work and waits for what is under way (and what that starts meanwhile). */
  async close(): Promise<void> {
    this.stopping = true;
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
