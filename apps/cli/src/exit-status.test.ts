import type { ExecutionEnd } from '@ogent/client';
import { describe, expect, it } from 'vitest';
import { endMessage, exitStatus, signalStatus } from './exit-status.js';

function end(fields: Partial<ExecutionEnd>): ExecutionEnd {
  return {
    type: 'end',
    seq: 1,
    status: 'completed',
    exitCode: null,
    signal: null,
    execTime: 1,
    truncated: false,
    outputBytes: 0,
    error: null,
    ...fields,
  };
}

describe('exit status of an execution', () => {
  it.each([
    ['exit 0', end({ exitCode: 0 }), 0],
    ['exit 7', end({ exitCode: 7 }), 7],
    ['killed by KILL', end({ signal: 'KILL' }), 137],
    ['killed by SIGSEGV', end({ signal: 'SIGSEGV' }), 139],
    ['an unknown signal', end({ signal: 'NOPE' }), 255],
    ['refused on the target', end({ status: 'refused' }), 126],
    ['cancelled by someone else', end({ status: 'cancelled', signal: 'TERM' }), 143],
    ['cancelled, no signal', end({ status: 'cancelled' }), 130],
    ['timed out', end({ status: 'timed_out', signal: 'TERM' }), 124],
    ['failed', end({ status: 'failed', error: { code: 'connection_lost', message: 'x' } }), 255],
    ['truncated', end({ status: 'truncated', signal: 'TERM' }), 255],
    ['interrupted', end({ status: 'interrupted' }), 255],
  ] as const)('%s', (_name, event, status) => {
    expect(exitStatus(event)).toBe(status);
  });

  it('says nothing on stderr for a command that ran to its end', () => {
    expect(endMessage(end({ exitCode: 1 }))).toBeNull();
    expect(
      endMessage(end({ status: 'failed', error: { code: 'host_key_mismatch', message: 'm' } })),
    ).toBe('failed: m (host_key_mismatch)');
  });

  it('maps signal names with or without SIG', () => {
    expect(signalStatus('TERM')).toBe(143);
    expect(signalStatus('SIGINT')).toBe(130);
    expect(signalStatus(null)).toBeNull();
  });
});
