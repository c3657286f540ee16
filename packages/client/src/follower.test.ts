import { describe, expect, it } from 'vitest';
import { TokenRejectedError } from './errors.js';
import { type FollowPhase, Follower, type StreamObserver } from './follower.js';
import { mergeHosts } from './run-follower.js';
import type { RunHost } from './types.js';

interface Event {
  readonly seq: number;
  readonly end?: true;
}

/**
 * A transport the test drives by hand: each subscription the follower opens, with the seq it
 * asked to resume after, whether it was let go, and its observer to send on.
 */
function transport() {
  const opened: { after: number; stopped: boolean; observer: StreamObserver<Event> }[] = [];
  let rejectToken: ((code: number) => void) | undefined;
  const open = (after: number, observer: StreamObserver<Event>) => {
    const subscription = { after, stopped: false, observer };
    opened.push(subscription);
    return { unsubscribe: () => (subscription.stopped = true) };
  };
  const latest = () => {
    const subscription = opened.at(-1);
    if (subscription === undefined) throw new Error('nothing subscribed');
    return subscription.observer;
  };
  return {
    opened,
    latest,
    rejectToken: (code: number) => rejectToken?.(code),
    follower: (options: { after?: number; signal?: AbortSignal } = {}) =>
      new Follower<Event>({
        open,
        isEnd: (event) => event.end === true,
        watchTokenRejected: (listener) => {
          rejectToken = listener;
          return () => (rejectToken = undefined);
        },
        ...options,
      }),
  };
}

function record(follower: Follower<Event>) {
  const seqs: number[] = [];
  const phases: FollowPhase[] = [];
  follower.listen({ event: (event) => seqs.push(event.seq), phase: (p) => phases.push(p) });
  return { seqs, phases };
}

describe('Follower', () => {
  it('resumes after the last event delivered and drops what a resumed stream repeats', () => {
    const t = transport();
    const follower = t.follower({ after: 2 });
    const { seqs, phases } = record(follower);
    follower.start();
    expect(t.opened[0]?.after).toBe(2);
    t.latest().onStarted();
    for (const seq of [3, 4, 5]) t.latest().onData({ seq });
    follower.stop();
    expect(t.opened[0]?.stopped).toBe(true);
    follower.start();
    expect(t.opened[1]?.after).toBe(5);
    // A stream that starts earlier than asked repeats nothing to the listeners.
    for (const seq of [4, 5, 6]) t.latest().onData({ seq });
    t.latest().onData({ seq: 7, end: true });
    expect(seqs).toEqual([3, 4, 5, 6, 7]);
    expect(phases).toEqual(['connecting', 'live', 'idle', 'connecting', 'live', 'ended']);
    expect(t.opened[1]?.stopped).toBe(true);
    follower.start();
    expect(t.opened).toHaveLength(2);
  });

  it('reports a dropped connection as reconnecting until events flow again', () => {
    const t = transport();
    const follower = t.follower();
    follower.start();
    t.latest().onData({ seq: 1 });
    t.latest().onConnectionStateChange({ state: 'connecting', error: new Error('closed') });
    expect(follower.phase).toBe('reconnecting');
    t.latest().onStarted();
    expect(follower.phase).toBe('live');
  });

  it('fails when the stream completes before its end, or the token is refused; start() retries', () => {
    const t = transport();
    const early = t.follower();
    early.start();
    t.latest().onComplete();
    expect(early.phase).toBe('failed');
    expect(String(early.error)).toMatch(/before its end/);
    // start() again is a retry, after the last event delivered.
    early.start();
    expect(early.phase).toBe('connecting');
    expect(early.error).toBeNull();
    expect(t.opened).toHaveLength(2);

    const refused = t.follower();
    refused.start();
    t.rejectToken(4001);
    expect(refused.phase).toBe('failed');
    expect(refused.error).toBeInstanceOf(TokenRejectedError);
    expect(t.opened.at(-1)?.stopped).toBe(true);
  });

  it('ignores a subscription it has let go of', () => {
    const t = transport();
    const follower = t.follower();
    const { seqs } = record(follower);
    follower.start();
    const old = t.latest();
    follower.stop();
    old.onData({ seq: 1 });
    old.onError(new Error('late'));
    expect(seqs).toEqual([]);
    expect(follower.phase).toBe('idle');
  });

  it('stays idle when a listener stops it during an event (a reader that fell behind)', () => {
    const t = transport();
    const follower = t.follower();
    follower.listen({ event: () => follower.stop() });
    follower.start();
    t.latest().onData({ seq: 1 });
    expect(follower.phase).toBe('idle');
    expect(t.opened[0]?.stopped).toBe(true);
  });

  it('stops for good when its signal aborts', () => {
    const t = transport();
    const controller = new AbortController();
    const follower = t.follower({ signal: controller.signal });
    follower.start();
    controller.abort();
    expect(follower.phase).toBe('idle');
    expect(t.opened[0]?.stopped).toBe(true);
    follower.start();
    expect(t.opened).toHaveLength(1);
  });
});

describe('mergeHosts', () => {
  const host = (target: string, version: number, status: RunHost['status']): RunHost =>
    ({ target, version, status }) as RunHost;

  it('keeps each host in its newest state, whatever order the states arrive in', () => {
    const hosts = new Map<string, RunHost>();
    mergeHosts(hosts, [host('a', 2, 'running'), host('b', 3, 'running')]);
    mergeHosts(hosts, [host('a', 5, 'succeeded'), host('b', 1, 'pending')]);
    expect([...hosts.values()].map((h) => [h.target, h.version, h.status])).toEqual([
      ['a', 5, 'succeeded'],
      ['b', 3, 'running'],
    ]);
  });
});
