import { describe, expect, it } from 'vitest';
import { EMPTY_OUTPUT_SHA256 } from '../executions/output-digest.js';
import { executionOutcome } from '../executions/outcome.js';
import { type HostEvent, hostChange, pendingHost, reduceHost } from './host-reducer.js';
import type { HostStatus, RunHost } from '../domain/run.js';

const AT = 1_700_000_000_000;
const pending = pendingHost('web-01', 3, 1);
const claimed: RunHost = { ...pending, status: 'running', instance: 'a', startedAt: AT };
const started: RunHost = { ...claimed, executionId: 'exec-1' };
const final = (status: HostStatus): RunHost => ({ ...started, status, finishedAt: AT + 5 });

const events = {
  claimed: { type: 'claimed', instance: 'b', at: AT + 1 },
  started: { type: 'started', executionId: 'exec-2' },
  refused: {
    type: 'refused',
    executionId: 'exec-3',
    error: { code: 'target_not_permitted', message: 'no' },
    at: AT + 2,
  },
  failed: { type: 'failed', error: { code: 'internal', message: 'broke' }, at: AT + 3 },
  released: { type: 'released' },
  ended: {
    type: 'ended',
    executionId: 'exec-1',
    outcome: executionOutcome({
      status: 'completed',
      finishedAt: AT + 4,
      exitCode: 2,
      durationMs: 40,
      outputBytes: 12,
      error: { code: 'x', message: 'y' },
    }),
    outputSha256: 'f00d',
  },
  skipped: { type: 'skipped', at: AT + 5 },
  cancelled: { type: 'cancelled', at: AT + 6 },
} as const satisfies Record<HostEvent['type'], HostEvent>;

type Row = [name: string, host: RunHost, event: HostEvent, expected: Partial<RunHost> | 'same'];

/** Every event against the states it applies to, and the states it must leave alone. */
const table: Row[] = [
  [
    'a pending host is claimed',
    pending,
    events.claimed,
    { status: 'running', instance: 'b', startedAt: AT + 1 },
  ],
  ['a claimed host is not claimed twice', claimed, events.claimed, 'same'],
  ['a claimed host starts', claimed, events.started, { status: 'running', executionId: 'exec-2' }],
  ['a started host keeps its execution', started, events.started, 'same'],
  [
    'a host cancelled before its start keeps the execution to stop',
    { ...claimed, status: 'cancelled' },
    events.started,
    { status: 'cancelled', executionId: 'exec-2' },
  ],
  ['a pending host does not start', pending, events.started, 'same'],
  ['an ended host does not start', final('succeeded'), events.started, 'same'],
  [
    'a claimed host is refused',
    claimed,
    events.refused,
    {
      status: 'refused',
      executionId: 'exec-3',
      error: events.refused.error,
      finishedAt: AT + 2,
      outputSha256: EMPTY_OUTPUT_SHA256,
    },
  ],
  ['a pending host is not refused', pending, events.refused, 'same'],
  [
    'a claimed host fails to start',
    claimed,
    events.failed,
    {
      status: 'failed',
      error: events.failed.error,
      finishedAt: AT + 3,
      outputSha256: EMPTY_OUTPUT_SHA256,
    },
  ],
  ['a started host does not fail to start', started, events.failed, 'same'],
  [
    'a claimed host is released',
    claimed,
    events.released,
    { status: 'pending', instance: null, startedAt: null },
  ],
  ['a started host is not released', started, events.released, 'same'],
  [
    'a running host ends with its outcome',
    started,
    events.ended,
    {
      status: 'failed',
      executionId: 'exec-1',
      executionStatus: 'completed',
      exitCode: 2,
      execTime: 40,
      outputBytes: 12,
      outputSha256: 'f00d',
      finishedAt: AT + 4,
      error: { code: 'x', message: 'y' },
    },
  ],
  ['an end seen twice changes nothing', final('failed'), events.ended, 'same'],
  [
    'an end of a cancelled host changes nothing',
    { ...started, status: 'cancelled' },
    events.ended,
    'same',
  ],
  ['a pending host is skipped', pending, events.skipped, { status: 'skipped', finishedAt: AT + 5 }],
  ['a running host is not skipped', started, events.skipped, 'same'],
  [
    'a claimed host is cancelled',
    claimed,
    events.cancelled,
    { status: 'cancelled', finishedAt: AT + 6 },
  ],
  ['a started host is not cancelled here (its execution is)', started, events.cancelled, 'same'],
  ['a pending host is not cancelled (it is skipped)', pending, events.cancelled, 'same'],
];

describe('reduceHost', () => {
  it.each(table)('%s', (_name, host, event, expected) => {
    const next = reduceHost(host, event);
    if (expected === 'same') {
      expect(next).toBe(host);
      return;
    }
    expect(next).not.toBe(host);
    expect(next).toEqual({ ...host, ...expected });
    // Its identity and progress number are the store's.
    expect([next.target, next.position, next.version]).toEqual([
      host.target,
      host.position,
      host.version,
    ]);
  });

  it('reads every execution status as the host status runs report', () => {
    const end = (
      status: Parameters<typeof executionOutcome>[0]['status'],
      exitCode: number | null,
    ) =>
      reduceHost(started, {
        ...events.ended,
        outcome: executionOutcome({ status, exitCode, finishedAt: AT }),
      }).status;
    expect(end('completed', 0)).toBe('succeeded');
    expect(end('completed', 1)).toBe('failed');
    expect(end('refused', null)).toBe('refused');
    expect(end('cancelled', null)).toBe('cancelled');
    for (const status of ['failed', 'timed_out', 'truncated', 'interrupted'] as const) {
      expect(end(status, null)).toBe('failed');
    }
  });

  it('gives the store every field but the identity', () => {
    const change = hostChange(final('succeeded'));
    expect(Object.keys(change).sort()).toEqual(
      Object.keys(started)
        .filter((k) => !['target', 'position', 'version'].includes(k))
        .sort(),
    );
    expect(change).toMatchObject({ status: 'succeeded', executionId: 'exec-1' });
  });
});
