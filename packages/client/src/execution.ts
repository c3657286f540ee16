import { Follower } from './follower.js';
import { PullQueue } from './pull-queue.js';
import { type FollowDeps, outputStream } from './streams.js';
import type { ExecutionEnd, ExecutionEvent } from './types.js';

/** A piece of output, exactly as the program wrote it. */
export interface OutputChunk {
  readonly stream: 'stdout' | 'stderr';
  /** The bytes; decode text with a streaming `TextDecoder` per stream. */
  readonly data: Uint8Array;
  /** Number of the last stored chunk included: `follow(id, { after: seq })` resumes after it. */
  readonly seq: number;
  /**
   * When the bytes arrived at the server: `[offset into data, ms since the epoch]` pairs, in
   * order; a byte's time is the last pair's at or before it. Empty for output stored before the
   * server kept arrival times.
   */
  readonly times: readonly (readonly [offset: number, at: number])[];
}

export interface RunOptions {
  /**
   * Aborting cancels the command on the target (`exec.cancel`: TERM to its process group, KILL
   * after 2 s). The output goes on to its end, whose status is then `cancelled`.
   */
  readonly signal?: AbortSignal;
  /** A retried `run` with the same key returns the first one's execution and runs nothing. */
  readonly idempotencyKey?: string;
}

export interface FollowOptions {
  /** Resume after this output `seq` (default 0: from the start). */
  readonly after?: number;
}

/**
 * How much output may wait unread before the client stops receiving: the server keeps the rest
 * in its log and the client asks for it again once the reader has caught up, so a slow reader
 * costs no memory here (nor on the server).
 */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;
const LOW_WATER_BYTES = 1024 * 1024;

/**
 * One execution's output as an async iterable of {@link OutputChunk}s, whose iterator returns
 * the end event; {@link Execution.result} gives the end too. One reader at a time. The subscription
 * resumes after a dropped connection with the last `seq` received, so nothing is lost or
 * repeated; breaking out of the loop stops watching, not the command.
 */
export class Execution implements AsyncIterable<OutputChunk> {
  /** The execution's id, once the server has accepted the command. Rejects when it refused it. */
  readonly id: Promise<string>;
  private lastSeq: number;
  private state: 'idle' | 'iterating' | 'ended' = 'idle';
  private ended: ExecutionEnd | undefined;
  private readonly waiters: {
    resolve: (end: ExecutionEnd) => void;
    reject: (error: unknown) => void;
  }[] = [];

  private constructor(
    private readonly deps: FollowDeps,
    id: Promise<string>,
    after: number,
  ) {
    this.id = id;
    this.lastSeq = after;
    // A refusal is reported to whoever iterates or asks for the result; not as unhandled.
    id.catch(() => undefined);
  }

  /** @internal Starts a command; use `client.run()`. */
  static start(
    deps: FollowDeps,
    target: string,
    command: string | readonly string[],
    options: RunOptions,
  ): Execution {
    const { signal } = options;
    const argv = typeof command === 'string' ? null : command;
    const id = (async () => {
      signal?.throwIfAborted();
      if (argv !== null && argv[0] === undefined) throw new TypeError('argv is empty');
      const { executionId } = await deps.trpc.exec.execute.mutate({
        target,
        command: argv === null ? (command as string) : (argv[0] as string),
        ...(argv === null || argv.length < 2 ? {} : { params: argv.slice(1) }),
        ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      });
      return executionId;
    })();
    const execution = new Execution(deps, id, 0);
    signal?.addEventListener('abort', () => void execution.cancel().catch(() => undefined), {
      once: true,
    });
    return execution;
  }

  /** @internal Follows an execution; use `client.follow()`. */
  static follow(deps: FollowDeps, executionId: string, options: FollowOptions): Execution {
    return new Execution(deps, Promise.resolve(executionId), options.after ?? 0);
  }

  /** Cancels the command on the target. Resolves whether or not it was still running. */
  async cancel(): Promise<void> {
    const executionId = await this.id;
    await this.deps.trpc.exec.cancel.mutate({ executionId });
  }

  /**
   * The end event (status, exit code, signal, duration). Output not iterated yet is read and
   * dropped on the way, so `await client.run(...).result()` just waits for the command.
   */
  result(): Promise<ExecutionEnd> {
    if (this.ended !== undefined) return Promise.resolve(this.ended);
    if (this.state === 'iterating') {
      return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    this.state = 'iterating';
    return (async () => {
      const events = this.events();
      for (;;) {
        const step = await events.next();
        if (step.done === true) return step.value;
      }
    })();
  }

  [Symbol.asyncIterator](): AsyncGenerator<OutputChunk, ExecutionEnd, undefined> {
    if (this.state !== 'idle') throw new TypeError('An execution is read by one reader at a time');
    this.state = 'iterating';
    return this.events();
  }

  /** Reads the output; the caller has set the state to `iterating`. */
  private async *events(): AsyncGenerator<OutputChunk, ExecutionEnd, undefined> {
    let queue: PullQueue<ExecutionEvent> | undefined;
    try {
      queue = new PullQueue(outputFollower(this.deps, await this.id, this.lastSeq), {
        size: (event) => (event.type === 'output' ? event.data.byteLength : 0),
        highWaterBytes: HIGH_WATER_BYTES,
        lowWaterBytes: LOW_WATER_BYTES,
      });
      for (;;) {
        const event = await queue.next();
        this.lastSeq = event.seq;
        if (event.type === 'end') {
          this.ended = event;
          this.state = 'ended';
          for (const waiter of this.waiters.splice(0)) waiter.resolve(event);
          return event;
        }
        yield { stream: event.stream, data: event.data, seq: event.seq, times: event.times };
      }
    } catch (error) {
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      throw error;
    } finally {
      queue?.close();
      if (this.state === 'iterating') this.state = 'idle';
    }
  }
}

/**
 * A follower of one execution's output (`exec.onOutput`) from after `after`, not started: for a
 * view that takes every event as it comes (use `client.follow` to pull them instead).
 */
export function outputFollower(
  deps: FollowDeps,
  executionId: string,
  after: number,
  signal?: AbortSignal,
): Follower<ExecutionEvent> {
  return new Follower({
    open: outputStream(deps.trpc, executionId),
    isEnd: (event) => event.type === 'end',
    after,
    watchTokenRejected: deps.watchTokenRejected,
    ...(signal === undefined ? {} : { signal }),
  });
}
