import type { ExecutionEnd, ExecutionRecord } from '../api/types.js';
import { describe, expect, it } from 'vitest';
import { executionFacts } from './execution-facts';

const record = (over: Partial<ExecutionRecord>): ExecutionRecord =>
  ({
    status: 'running',
    exitCode: null,
    signal: null,
    durationMs: null,
    error: null,
    createdAt: 1_000,
    ...over,
  }) as ExecutionRecord;

const end = (over: Partial<ExecutionEnd>): ExecutionEnd =>
  ({
    type: 'end',
    status: 'completed',
    exitCode: 0,
    signal: null,
    execTime: 1_500,
    error: null,
    outputBytes: 10,
    ...over,
  }) as ExecutionEnd;

describe('executionFacts', () => {
  it('knows nothing before the record or the end arrives', () => {
    const facts = executionFacts(undefined, null, 'connecting', 5_000);
    expect(facts.status).toBeNull();
    expect(facts.running).toBe(false);
    expect(facts.placeholder).toBe('Waiting for output…');
  });

  it('counts the time of a running execution from its start', () => {
    const facts = executionFacts(record({}), null, 'live', 4_000);
    expect(facts).toMatchObject({ status: 'running', running: true, elapsed: 3_000 });
    expect(facts.duration).toBeNull();
    expect(facts.announcement).toBe('');
  });

  it('takes the end over a record still saying running, and announces it', () => {
    const facts = executionFacts(record({}), end({ exitCode: 2, status: 'failed' }), 'ended', 9);
    expect(facts).toMatchObject({
      status: 'failed',
      running: false,
      ended: true,
      exitCode: 2,
      duration: 1_500,
      elapsed: null,
      placeholder: 'No output.',
    });
    expect(facts.announcement).toMatch(/, exit code 2$/);
  });

  it('replays an ended execution from the record until its end is read back', () => {
    const info = record({ status: 'completed', exitCode: 0, durationMs: 700 });
    const facts = executionFacts(info, null, 'live', 9);
    expect(facts).toMatchObject({ replaying: true, duration: 700, placeholder: 'Loading output…' });
    expect(executionFacts(info, null, 'failed', 9).replaying).toBe(false);
  });

  it('marks a refusal, with the reason from the end when the target refused', () => {
    const facts = executionFacts(
      record({ status: 'refused' }),
      end({ status: 'refused', exitCode: null, error: { code: 'x', message: 'outside /var/log' } }),
      'ended',
      9,
    );
    expect(facts).toMatchObject({ refused: true, problem: 'outside /var/log' });
  });
});
