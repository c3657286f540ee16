import { RunFollower, type RunProgressEvent } from '@ogent/client';
import { describe, expect, it } from 'vitest';
import { RunProgress } from './run-progress';
import { sampleHost, sampleSummary } from './test-runs';
import type { HostStatus, RunHost, RunSummary } from './types';

/** Host `target` in `status`, at `version`. */
function host(target: string, status: HostStatus, version: number): RunHost {
  return sampleHost(target, status, { version });
}

/** Counts of a run of two hosts. */
function summary(counts: Partial<Omit<RunSummary, 'total'>>): RunSummary {
  return { ...sampleSummary(counts), total: 2 };
}

function hostsEvent(seq: number, hosts: RunHost[], counts: Partial<RunSummary>): RunProgressEvent {
  return { type: 'hosts', seq, status: 'running', hosts, summary: summary(counts) };
}

type FollowDeps = ConstructorParameters<typeof RunFollower>[0];

/** tRPC's observer of `runs.onProgress`, as much of it as the follower uses. */
interface ProgressObserver {
  onStarted(): void;
  onData(tracked: { id: string; data: RunProgressEvent }): void;
  onConnectionStateChange(state: { state: string; error: unknown }): void;
}

/**
 * A RunProgress over the client's RunFollower, whose `runs.onProgress` the test drives by hand
 * in place of the WebSocket: `send` delivers an event, `subscriptions` records what each
 * subscription asked for and whether it was let go.
 */
function progress() {
  const subscriptions: {
    input: { lastEventId?: string };
    observer: ProgressObserver;
    stopped: boolean;
  }[] = [];
  const trpc = {
    runs: {
      onProgress: {
        subscribe: (input: { lastEventId?: string }, observer: ProgressObserver) => {
          const subscription = { input, observer, stopped: false };
          subscriptions.push(subscription);
          return { unsubscribe: () => (subscription.stopped = true) };
        },
      },
    },
  };
  const deps = { trpc, watchTokenRejected: () => () => undefined } as unknown as FollowDeps;
  const run = new RunProgress(new RunFollower(deps, 'run'));
  const latest = (): ProgressObserver => {
    const observer = subscriptions.at(-1)?.observer;
    if (observer === undefined) throw new Error('nothing subscribed');
    return observer;
  };
  const send = (event: RunProgressEvent) => latest().onData({ id: String(event.seq), data: event });
  return { run, subscriptions, latest, send };
}

describe('RunProgress', () => {
  it('keeps each host in its latest state, however the events arrive, and says so at each', () => {
    const { run, latest, send } = progress();
    expect(run.phase).toBe('idle');
    run.start();
    latest().onStarted();
    expect(run.phase).toBe('live');
    let notified = 0;
    run.subscribe(() => (notified += 1));
    send(hostsEvent(2, [host('a', 'pending', 1), host('b', 'running', 2)], { pending: 1 }));
    send(hostsEvent(3, [host('a', 'running', 3)], { running: 2 }));
    // A host's older state (a slow path delivering late) never replaces a newer one.
    send(hostsEvent(4, [host('a', 'pending', 1), host('b', 'succeeded', 4)], { running: 1 }));
    expect(run.hosts.get('a')?.status).toBe('running');
    expect(run.hosts.get('b')?.status).toBe('succeeded');
    expect(run.summary).toEqual(summary({ running: 1 }));
    expect(run.status).toBe('running');
    expect(notified).toBe(3);
  });

  it('drops an event it has already seen (a resumed subscription repeating itself)', () => {
    const { run, latest, send } = progress();
    run.start();
    send(hostsEvent(5, [host('a', 'succeeded', 5)], { succeeded: 1 }));
    const version = run.version;
    send(hostsEvent(5, [host('a', 'running', 4)], { running: 1 }));
    expect(run.hosts.get('a')?.status).toBe('succeeded');
    expect(run.summary?.succeeded).toBe(1);
    expect(run.version).toBe(version);
    // A dropped connection shows, and the view is told.
    latest().onConnectionStateChange({ state: 'connecting', error: new Error('closed') });
    expect(run.phase).toBe('reconnecting');
    expect(run.version).toBe(version + 1);
  });

  it('resumes after the last event once stopped and started again (the view shown again)', () => {
    const { run, subscriptions, send } = progress();
    run.start();
    send(hostsEvent(7, [host('a', 'running', 7)], { running: 1 }));
    run.stop();
    expect(run.phase).toBe('idle');
    expect(subscriptions[0]?.stopped).toBe(true);
    run.start();
    expect(subscriptions[1]?.input.lastEventId).toBe('7');
  });

  it('ends with the run, keeping the final counts and why it stopped', () => {
    const { run, subscriptions, send } = progress();
    run.start();
    expect(run.stopReason).toBeNull();
    send(hostsEvent(2, [host('a', 'failed', 2)], { failed: 1, pending: 1 }));
    send({
      type: 'end',
      seq: 3,
      status: 'stopped',
      stopReason: 'Stopped after 1 failed host.',
      summary: summary({ failed: 1, skipped: 1 }),
    });
    expect(run.phase).toBe('ended');
    expect(run.status).toBe('stopped');
    expect(run.stopReason).toBe('Stopped after 1 failed host.');
    expect(run.summary).toEqual(summary({ failed: 1, skipped: 1 }));
    expect(subscriptions[0]?.stopped).toBe(true);
  });
});
