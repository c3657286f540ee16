import type { RunFeed } from '../ports/runs.js';

/** Run changes within this process: the single node has no other instance to tell. */
export class InProcessRunFeed implements RunFeed {
  private readonly listeners = new Set<(runId: string) => void>();

  publish(runId: string): void {
    for (const listener of [...this.listeners]) listener(runId);
  }

  subscribe(listener: (runId: string) => void): () => void {
    const entry = (runId: string): void => listener(runId);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }
}
