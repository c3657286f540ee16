import type { EndMessage, OutputChunk } from '../domain/execution.js';

/** What the live bus holds of an execution, from some seq on. */
export type LiveRead =
  /** Chunks from the seq asked for (maybe none yet), and the end once it is published. */
  | {
      readonly state: 'live';
      readonly chunks: readonly OutputChunk[];
      readonly end: EndMessage | undefined;
    }
  /** The bus has let that seq go: read it from the output log, then ask again. */
  | { readonly state: 'behind' }
  /** The bus knows nothing of the execution: it has ended, or runs where this bus does not reach. */
  | { readonly state: 'absent' };

/**
 * Numbered output of running executions, as it arrives: the owner publishes, any watcher reads
 * from a seq and follows. In process for the single node (a window of recent output per
 * execution); a stream per execution in cluster mode. It holds only what the output log may not
 * have yet plus a window: a watcher that falls behind reads the log instead.
 */
export interface LiveBus {
  /** Starts an execution's stream, before its first chunk. */
  open(executionId: string): void;
  /** Appends the next chunk (seq one more than the last). Synchronous: this is the hot path. */
  publish(executionId: string, chunk: OutputChunk): void;
  /** Chunks up to `seq` are in the output log: the bus may let them go. */
  stored(executionId: string, seq: number): void;
  /** Publishes the final event. Watchers see it after every chunk. */
  end(executionId: string, end: EndMessage): void;
  /** Drops the stream, once its end is recorded (watchers then read the records and the log). */
  close(executionId: string): void;
  read(executionId: string, fromSeq: number, maxBytes: number): Promise<LiveRead>;
  /** Resolves once there is something after `afterSeq` (or the end), or the signal aborts. */
  wait(executionId: string, afterSeq: number, signal: AbortSignal): Promise<void>;
  /** The last seq and the bytes published so far, while the stream is open here. */
  progress(executionId: string): { lastSeq: number; outputBytes: number } | undefined;
}
