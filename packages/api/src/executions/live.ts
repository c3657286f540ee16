import type { AuthUser } from '../auth/service.js';
import type { EndMessage, OutputChunk } from './types.js';

/** Bytes of recent output kept in memory per running execution, for watchers that keep up. */
const TAIL_BYTES = 2 * 1024 * 1024;

/**
 * A running execution's in-memory state: the recent output (everything not yet stored, plus a
 * window of what is), the final event once there is one, and a way to wait for either. Watchers
 * that fall behind the window read the store instead, so memory stays bounded however many
 * watchers there are and however slow they are.
 */
export class LiveExecution {
  lastSeq = 0;
  outputBytes = 0;
  end: EndMessage | undefined;
  /** Set when the server is shutting down, so the end status is `interrupted`. */
  interruptedByShutdown = false;
  readonly controller = new AbortController();
  private tail: OutputChunk[] = [];
  private tailBytes = 0;
  private flushedSeq = 0;
  /** Created when a watcher waits, settled at the next change: no promise per chunk otherwise. */
  private changed: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    readonly id: string,
    readonly owner: AuthUser,
    readonly target: string,
  ) {}

  append(chunk: OutputChunk): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.data.length;
    this.lastSeq = chunk.seq;
    this.outputBytes += chunk.data.length;
    this.evict();
    this.notify();
  }

  /** Chunks up to `seq` are in the store: they may leave memory. */
  markFlushed(seq: number): void {
    if (seq > this.flushedSeq) this.flushedSeq = seq;
    this.evict();
  }

  finish(end: EndMessage): void {
    this.end = end;
    this.notify();
  }

  /**
   * Chunks from `seq` on, up to about maxBytes, if they are still in memory; undefined if the
   * watcher must read the store.
   */
  chunksFrom(seq: number, maxBytes: number): OutputChunk[] | undefined {
    const first = this.tail[0];
    if (first === undefined || seq < first.seq) return undefined;
    const out: OutputChunk[] = [];
    let bytes = 0;
    for (let i = seq - first.seq; i < this.tail.length && bytes < maxBytes; i += 1) {
      const chunk = this.tail[i];
      if (chunk === undefined) break;
      out.push(chunk);
      bytes += chunk.data.length;
    }
    return out;
  }

  /** Resolves at the next chunk or the end, or when the signal aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    if (this.changed === undefined) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.changed = { promise, resolve };
    }
    const changed = this.changed.promise;
    return new Promise((resolve) => {
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      void changed.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private evict(): void {
    while (this.tailBytes > TAIL_BYTES) {
      const first = this.tail[0];
      if (first === undefined || first.seq > this.flushedSeq) return;
      this.tail.shift();
      this.tailBytes -= first.data.length;
    }
  }

  private notify(): void {
    const changed = this.changed;
    this.changed = undefined;
    changed?.resolve();
  }
}
