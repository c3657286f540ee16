import type { TRPCClient } from '@trpc/client';
import type { OpenStream, StreamObserver } from './follower.js';
import type { AppRouter } from './router.js';
import type { ExecutionEvent, RunProgressEvent } from './types.js';

/** What the followers need of a client. */
export interface FollowDeps {
  readonly trpc: TRPCClient<AppRouter>;
  readonly watchTokenRejected: (listener: (closeCode: number) => void) => () => void;
}

/** tRPC's resume input: `lastEventId` only when resuming. */
function resumeAfter(after: number): { lastEventId?: string } {
  return after > 0 ? { lastEventId: String(after) } : {};
}

/** tRPC's observer for an observer of bare events: the tracking envelope is the follower's. */
function unwrapped<Event>(observer: StreamObserver<Event>) {
  return {
    onStarted: () => observer.onStarted(),
    onData: ({ data }: { data: Event }) => observer.onData(data),
    onError: (error: unknown) => observer.onError(error),
    onComplete: () => observer.onComplete(),
    onConnectionStateChange: (state: { readonly state: string; readonly error?: unknown }) =>
      observer.onConnectionStateChange(state),
  };
}

/** `exec.onOutput` of one execution. */
export function outputStream(
  trpc: FollowDeps['trpc'],
  executionId: string,
): OpenStream<ExecutionEvent> {
  return (after, observer) =>
    trpc.exec.onOutput.subscribe({ executionId, ...resumeAfter(after) }, unwrapped(observer));
}

/** `runs.onProgress` of one run. */
export function progressStream(
  trpc: FollowDeps['trpc'],
  runId: string,
): OpenStream<RunProgressEvent> {
  return (after, observer) =>
    trpc.runs.onProgress.subscribe({ runId, ...resumeAfter(after) }, unwrapped(observer));
}
