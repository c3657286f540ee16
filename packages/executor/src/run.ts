import { performance } from 'node:perf_hooks';
import { type Clock, type TimerHandle, systemClock } from './clock.js';
import { ExecutorError, isExecutorError } from './errors.js';
import type { ExecEvent, ExecutionStatus, ExitEvent, OutputStreamName } from './events.js';
import { OutputQueue } from './output-queue.js';
import type { PathOperand } from './path-operands.js';
import type { ProcessExit, StartedProcess, Transport } from './transports/types.js';

export interface ExecuteOptions {
  /** Aborting cancels the execution: TERM to the process group, KILL after the grace period. */
  readonly signal?: AbortSignal;
  /** Wall-clock limit including connecting and waiting for a session; 0 for none. */
  readonly timeoutMs?: number;
  /** Output (stdout + stderr) beyond this is dropped and the process stopped; 0 for no cap. */
  readonly maxOutputBytes?: number;
  /** Time between TERM and KILL, and between KILL and giving up on the process. */
  readonly killGraceMs?: number;
  /** Path arguments to resolve and check on the target (from the policy's decision). */
  readonly paths?: readonly PathOperand[];
  /** Where the timeout and the kill grace period are measured (tests pass a manual one). */
  readonly clock?: Clock;
}

export const EXECUTE_DEFAULTS = {
  timeoutMs: 10 * 60_000,
  maxOutputBytes: 256 * 1024 * 1024,
  killGraceMs: 2_000,
  highWaterMark: 1024 * 1024,
  /**
   * Pieces that queued while the consumer was busy are merged (copied) only up to this size:
   * small ones cost more per piece than to copy, while an SSH packet (32 KiB) or a pipe read
   * (64 KiB) is passed on as it is, since every copy of the stream costs garbage collection.
   */
  maxChunkBytes: 16 * 1024,
} as const;

type StopReason = Extract<ExecutionStatus, 'cancelled' | 'timed_out' | 'truncated'>;

function describeStop(reason: StopReason): string {
  switch (reason) {
    case 'cancelled':
      return 'Cancelled.';
    case 'timed_out':
      return 'Timed out.';
    case 'truncated':
      return 'Output limit reached.';
  }
}

/**
 * Runs argv on a transport as an async iterable of events: output chunks as they arrive, then
 * exactly one exit event. It never throws for a failure of the execution itself: a failure to
 * connect or a lost connection ends with an exit event of status `failed` carrying the error.
 *
 * Breaking out of the iteration early stops the process, as cancelling would.
 */
export async function* runOnTransport(
  transport: Transport,
  argv: readonly string[],
  options: ExecuteOptions = {},
): AsyncGenerator<ExecEvent, void, undefined> {
  const timeoutMs = options.timeoutMs ?? EXECUTE_DEFAULTS.timeoutMs;
  const maxOutputBytes = options.maxOutputBytes ?? EXECUTE_DEFAULTS.maxOutputBytes;
  const killGraceMs = options.killGraceMs ?? EXECUTE_DEFAULTS.killGraceMs;
  const clock = options.clock ?? systemClock;

  const attemptStart = performance.now();
  let processStart: number | undefined;
  let process: StartedProcess | undefined;
  let stopReason: StopReason | undefined;
  let outputBytes = 0;
  const killTimers: TimerHandle[] = [];
  const startAbort = new AbortController();

  const queue = new OutputQueue({
    highWaterMark: EXECUTE_DEFAULTS.highWaterMark,
    maxChunkBytes: EXECUTE_DEFAULTS.maxChunkBytes,
    onPressure: (paused) => {
      for (const stream of [process?.stdout, process?.stderr]) {
        if (paused) stream?.pause();
        else stream?.resume();
      }
    },
  });

  const terminate = (target: StartedProcess): void => {
    target.kill('TERM');
    killTimers.push(
      clock.setTimeout(() => target.kill('KILL'), killGraceMs),
      clock.setTimeout(() => target.detach(), 2 * killGraceMs),
    );
  };

  const stop = (reason: StopReason): void => {
    if (stopReason !== undefined || queue.finished) return;
    stopReason = reason;
    startAbort.abort(new ExecutorError('aborted', describeStop(reason)));
    if (process !== undefined) terminate(process);
  };

  const timeout = timeoutMs > 0 ? clock.setTimeout(() => stop('timed_out'), timeoutMs) : undefined;
  const onAbort = (): void => stop('cancelled');
  if (options.signal?.aborted) stop('cancelled');
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const finish = (exit: ProcessExit | undefined, error: unknown): void => {
    const failed = stopReason === undefined && error !== undefined;
    const refused = failed && isExecutorError(error) && error.code === 'path_refused';
    const status: ExecutionStatus =
      stopReason ?? (refused ? 'refused' : failed ? 'failed' : 'completed');
    const event: ExitEvent = {
      type: 'exit',
      status,
      exitCode: exit?.exitCode ?? null,
      signal: exit?.signal ?? null,
      durationMs: Math.round(performance.now() - (processStart ?? attemptStart)),
      truncated: status === 'truncated',
      outputBytes,
      ...(failed ? { error: toErrorInfo(error) } : {}),
    };
    queue.finish(event);
  };

  // Set when the consumer stopped iterating: output is then read and dropped so the process
  // cannot block on a full pipe or channel window while it is being stopped.
  let abandoned = false;

  const onData = (stream: OutputStreamName) => (chunk: Buffer) => {
    if (stopReason === 'truncated' || abandoned) return;
    if (maxOutputBytes > 0 && outputBytes + chunk.length > maxOutputBytes) {
      const room = maxOutputBytes - outputBytes;
      outputBytes += room;
      queue.push(stream, chunk.subarray(0, room));
      stop('truncated');
      return;
    }
    outputBytes += chunk.length;
    queue.push(stream, chunk);
  };

  const produce = async (): Promise<void> => {
    try {
      process = await transport.start(argv, startAbort.signal, options.paths ?? []);
    } catch (error) {
      finish(undefined, error);
      return;
    }
    processStart = process.startedAt;
    process.stdout.on('data', onData('stdout'));
    process.stderr.on('data', onData('stderr'));
    if (stopReason !== undefined) terminate(process);
    try {
      finish(await process.exited, undefined);
    } catch (error) {
      finish(undefined, error);
    } finally {
      for (const timer of killTimers) timer.cancel();
    }
  };

  const producing = produce();
  try {
    yield* queue;
  } finally {
    if (!queue.finished) {
      abandoned = true;
      stop('cancelled');
      process?.stdout.resume();
      process?.stderr.resume();
    }
    await producing;
    timeout?.cancel();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function toErrorInfo(error: unknown): { code: ExecutorError['code']; message: string } {
  if (isExecutorError(error)) return { code: error.code, message: error.message };
  return { code: 'spawn_failed', message: error instanceof Error ? error.message : String(error) };
}
