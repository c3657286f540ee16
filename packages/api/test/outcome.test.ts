import { describe, expect, it } from 'vitest';
import { errorOf, executionOutcome, outcomeOfRecord } from '../src/executions/outcome.js';
import { sampleRecord } from '../src/testing/contracts.js';

const record = sampleRecord({ status: 'running' });

describe('an execution outcome', () => {
  it('says nothing happened for what it is not told', () => {
    expect(executionOutcome({ status: 'failed', finishedAt: 5 })).toEqual({
      status: 'failed',
      exitCode: null,
      signal: null,
      error: null,
      errorCode: null,
      finishedAt: 5,
      durationMs: 0,
      outputBytes: 0,
      outputLines: 0,
      lastSeq: 0,
      truncated: false,
    });
  });

  it('keeps an unknown line count unknown, and splits the error for the record', () => {
    const outcome = executionOutcome({
      status: 'interrupted',
      finishedAt: 5,
      outputLines: null,
      error: { code: 'interrupted', message: 'The server stopped.' },
    });
    expect(outcome).toMatchObject({
      outputLines: null,
      errorCode: 'interrupted',
      error: 'The server stopped.',
    });
    expect(errorOf(outcome)).toEqual({ code: 'interrupted', message: 'The server stopped.' });
  });

  it('is read back from a record once it has ended, and not before', () => {
    expect(outcomeOfRecord(record, 9)).toBeUndefined();
    const end = {
      status: 'completed',
      exitCode: 0,
      finishedAt: 7,
      durationMs: 6,
      outputBytes: 12,
      outputLines: 2,
      lastSeq: 3,
    } as const;
    const ended = { ...record, ...end };
    expect(outcomeOfRecord(ended, 9)).toEqual(executionOutcome(end));
    expect(outcomeOfRecord({ ...ended, finishedAt: null }, 9)?.finishedAt).toBe(9);
    expect(errorOf({ error: 'lost', errorCode: null })).toEqual({
      code: 'unknown',
      message: 'lost',
    });
  });
});
