import { describe, expect, it } from 'vitest';
import { DEFAULT_HOST_SORT, compareHosts, nextSort } from './host-order';
import { sampleHost } from './test-runs';
import type { HostStatus, RunHost } from './types';

/** Host `target` (numbered as its name ends) in `status`. */
function host(
  target: string,
  status: HostStatus,
  extra: { exitCode?: number | null; execTime?: number | null } = {},
): RunHost {
  return sampleHost(target, status, {
    position: Number(/\d+/.exec(target)?.[0] ?? 0),
    exitCode: extra.exitCode ?? null,
    execTime: extra.execTime ?? null,
  });
}

const hosts = [
  host('web-1', 'succeeded', { exitCode: 0, execTime: 30 }),
  host('web-2', 'running'),
  host('web-3', 'failed', { exitCode: 2, execTime: 50 }),
  host('web-4', 'pending'),
  host('web-5', 'refused'),
  host('web-6', 'failed', { exitCode: 1, execTime: 10 }),
  host('web-10', 'succeeded', { exitCode: 0, execTime: 20 }),
];

const order = (sort: Parameters<typeof compareHosts>[0]): string[] =>
  [...hosts].sort(compareHosts(sort)).map((h) => h.target);

describe('compareHosts', () => {
  it('puts failures first by default, then the rest, in run order within a state', () => {
    expect(order(DEFAULT_HOST_SORT)).toEqual([
      'web-3',
      'web-6',
      'web-5',
      'web-2',
      'web-4',
      'web-1',
      'web-10',
    ]);
  });

  it('sorts names by their numbers, both ways', () => {
    expect(order({ key: 'target', descending: false })).toEqual([
      'web-1',
      'web-2',
      'web-3',
      'web-4',
      'web-5',
      'web-6',
      'web-10',
    ]);
    expect(order({ key: 'target', descending: true })[0]).toBe('web-10');
  });

  it('keeps hosts with no exit code or duration last in either direction', () => {
    expect(order({ key: 'exitCode', descending: true }).slice(0, 4)).toEqual([
      'web-3',
      'web-6',
      'web-1',
      'web-10',
    ]);
    expect(order({ key: 'duration', descending: true }).slice(0, 4)).toEqual([
      'web-3',
      'web-1',
      'web-10',
      'web-6',
    ]);
    expect(order({ key: 'duration', descending: false }).slice(0, 4)).toEqual([
      'web-6',
      'web-10',
      'web-1',
      'web-3',
    ]);
  });
});

describe('nextSort', () => {
  it('flips the direction of the same column and starts a new one in its natural direction', () => {
    expect(nextSort(DEFAULT_HOST_SORT, 'status')).toEqual({ key: 'status', descending: true });
    expect(nextSort(DEFAULT_HOST_SORT, 'target')).toEqual({ key: 'target', descending: false });
    expect(nextSort(DEFAULT_HOST_SORT, 'duration')).toEqual({ key: 'duration', descending: true });
  });
});
