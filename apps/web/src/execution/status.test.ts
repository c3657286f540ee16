import { describe, expect, it } from 'vitest';
import { EXECUTION_STATES } from '@ogent/client';
import { executionSummary, isExecutionState, statusView } from './status';

describe('statusView', () => {
  it('reads a non-zero exit as a failure, and exit 0 as a success', () => {
    expect(statusView('completed', 2)).toMatchObject({
      label: 'Exit 2',
      icon: '✕',
      tone: 'failure',
    });
    expect(statusView('completed', 0)).toMatchObject({
      label: 'Completed',
      icon: '✓',
      tone: 'success',
    });
    // Not known yet (a record read before its end): not passed off as a failure.
    expect(statusView('completed', null)).toMatchObject({ label: 'Completed', tone: 'success' });
  });

  it('keeps every other state as it is, whatever the exit code', () => {
    for (const status of EXECUTION_STATES.filter((s) => s !== 'completed')) {
      expect(statusView(status, 2)).toEqual(statusView(status, null));
    }
    expect(statusView('failed').tone).toBe('failure');
    expect(statusView('timed_out', 143).label).toBe('Timed out');
  });
});

describe('isExecutionState', () => {
  it("takes the contract's states and nothing else, not even an object's inherited names", () => {
    expect(EXECUTION_STATES.every(isExecutionState)).toBe(true);
    for (const value of ['', 'Running', 'succeeded', 'toString', 'constructor']) {
      expect(isExecutionState(value)).toBe(false);
    }
  });
});

describe('executionSummary', () => {
  it.each([
    ['completed', 0, 'ls -la', '✓ ls -la'],
    ['completed', 2, 'make', '✗ Exit 2 · make'],
    ['running', null, 'sleep 5', '… Running · sleep 5'],
    ['failed', null, 'uptime', '✗ Failed · uptime'],
    ['refused', null, 'ls; id', '⊘ Refused · ls; id'],
    [null, null, 'df -h', 'df -h'],
  ] as const)('%s with exit %s: %s', (status, exitCode, command, summary) => {
    expect(executionSummary(status, exitCode, command)).toBe(summary);
  });

  it('cuts a long command, by characters not UTF-16 units', () => {
    const summary = executionSummary('completed', 0, `echo ${'é🙂'.repeat(40)}`);
    expect(Array.from(summary)).toHaveLength(2 + 60);
    expect(summary.endsWith('…')).toBe(true);
  });
});
