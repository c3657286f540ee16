import { describe, expect, it } from 'vitest';
import { DEFAULT_HOST_SORT } from './host-order';
import { gridHosts, groupsByTarget, runFacts } from './run-facts';
import { sampleHost as host, sampleSummary as summary } from './test-runs';
import type { RunGroup, RunView } from './types';

const record = (over: Partial<RunView>): RunView =>
  ({
    status: 'running',
    summary: summary({ running: 3 }),
    stopReason: null,
    createdAt: 1_000,
    finishedAt: null,
    hosts: [],
    groups: [],
    ...over,
  }) as RunView;

const nothingLive = { summary: null, status: null, stopReason: null };

describe('runFacts', () => {
  it('counts the time of a running run from its start, from the record', () => {
    const facts = runFacts(nothingLive, record({}), 4_000);
    expect(facts).toMatchObject({ status: 'running', running: true, elapsed: 3_000 });
    expect(facts.announcement).toBe('');
  });

  it('takes the live progress over the record, and announces the end', () => {
    const live = {
      summary: summary({ succeeded: 1, failed: 1, skipped: 1 }),
      status: 'failed' as const,
      stopReason: 'Stopped after 1 failure.',
    };
    const facts = runFacts(live, record({ finishedAt: 2_500 }), 9_000);
    expect(facts).toMatchObject({
      status: 'failed',
      running: false,
      stopReason: 'Stopped after 1 failure.',
      elapsed: 1_500,
      retryable: 2,
    });
    expect(facts.announcement).toBe('Run failed: 1 succeeded, 1 failed, 0 refused.');
  });

  it('knows nothing before the record or progress arrives', () => {
    expect(runFacts(nothingLive, undefined, 0)).toMatchObject({
      status: null,
      elapsed: null,
      retryable: 0,
    });
  });
});

describe('gridHosts', () => {
  const recorded = [host('a', 'succeeded'), host('b', 'failed')];

  it('shows the record until progress reports, failures first', () => {
    expect(gridHosts(new Map(), recorded, null, DEFAULT_HOST_SORT).map((h) => h.target)).toEqual([
      'b',
      'a',
    ]);
  });

  it('shows the live hosts once there are some, filtered by state', () => {
    const live = new Map([
      ['c', host('c', 'running')],
      ['d', host('d', 'succeeded')],
    ]);
    expect(gridHosts(live, recorded, 'succeeded', DEFAULT_HOST_SORT)).toEqual([
      host('d', 'succeeded'),
    ]);
  });
});

describe('groupsByTarget', () => {
  it('finds each target’s group', () => {
    const one = { targets: ['a', 'b'] } as unknown as RunGroup;
    const two = { targets: ['c'] } as unknown as RunGroup;
    const map = groupsByTarget([one, two]);
    expect(map.get('b')).toBe(one);
    expect(map.get('c')).toBe(two);
    expect(map.get('z')).toBeUndefined();
  });
});
