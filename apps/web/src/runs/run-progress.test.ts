import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import { RunProgress } from './run-progress';
import type { HostStatus, RunHost, RunProgressEvent, RunSummary } from './types';

function host(target: string, status: HostStatus, version: number): RunHost {
  return {
    target,
    position: 0,
    status,
    executionId: null,
    executionStatus: null,
    exitCode: status === 'succeeded' ? 0 : null,
    signal: null,
    execTime: null,
    error: null,
    outputBytes: 0,
    outputSha256: null,
    instance: null,
    startedAt: null,
    finishedAt: null,
    version,
  };
}

function summary(counts: Partial<RunSummary>): RunSummary {
  return {
    total: 2,
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    refused: 0,
    cancelled: 0,
    skipped: 0,
    ...counts,
  };
}

function hostsEvent(seq: number, hosts: RunHost[], counts: Partial<RunSummary>): RunProgressEvent {
  return { type: 'hosts', seq, status: 'running', hosts, summary: summary(counts) };
}

/** Never subscribes: the events are applied by hand. */
const progress = (): RunProgress => new RunProgress({} as ApiClient['trpc'], 'run');

describe('RunProgress', () => {
  it('keeps each host in its latest state, however the events arrive', () => {
    const run = progress();
    let notified = 0;
    run.subscribe(() => (notified += 1));
    run.apply(hostsEvent(2, [host('a', 'pending', 1), host('b', 'running', 2)], { pending: 1 }));
    run.apply(hostsEvent(3, [host('a', 'running', 3)], { running: 2 }));
    // A host's older state (a slow path delivering late) never replaces a newer one.
    run.apply(hostsEvent(4, [host('a', 'pending', 1), host('b', 'succeeded', 4)], { running: 1 }));
    expect(run.hosts.get('a')?.status).toBe('running');
    expect(run.hosts.get('b')?.status).toBe('succeeded');
    expect(run.summary).toEqual(summary({ running: 1 }));
    expect(run.phase).toBe('streaming');
    expect(notified).toBe(3);
  });

  it('drops an event it has already seen (a resumed subscription repeating itself)', () => {
    const run = progress();
    run.apply(hostsEvent(5, [host('a', 'succeeded', 5)], { succeeded: 1 }));
    run.apply(hostsEvent(5, [host('a', 'running', 4)], { running: 1 }));
    expect(run.hosts.get('a')?.status).toBe('succeeded');
    expect(run.summary?.succeeded).toBe(1);
    expect(run.version).toBe(1);
  });

  it('ends with the run, keeping the final counts and why it stopped', () => {
    const run = progress();
    run.apply(hostsEvent(2, [host('a', 'failed', 2)], { failed: 1, pending: 1 }));
    run.apply({
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
  });
});
