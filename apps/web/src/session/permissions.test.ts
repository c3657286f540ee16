import { describe, expect, it } from 'vitest';
import { mayCancel, mayRetry } from './permissions';

function user(username: string, cancelAll: boolean) {
  return { username, cancelAll };
}

describe('mayCancel', () => {
  it.each([
    { who: 'alice', cancelAll: false, owner: 'alice', running: true, expected: true },
    { who: 'alice', cancelAll: false, owner: 'bob', running: true, expected: false },
    { who: 'admin', cancelAll: true, owner: 'bob', running: true, expected: true },
    { who: 'alice', cancelAll: false, owner: 'alice', running: false, expected: false },
    { who: 'admin', cancelAll: true, owner: 'bob', running: false, expected: false },
  ])(
    '$who (cancelAll $cancelAll) on $owner’s work, running $running: $expected',
    ({ who, cancelAll, owner, running, expected }) => {
      expect(mayCancel(user(who, cancelAll), { username: owner, running })).toBe(expected);
    },
  );

  it('refuses while the work is not loaded yet', () => {
    expect(mayCancel(user('admin', true), undefined)).toBe(false);
  });
});

describe('mayRetry', () => {
  it.each([
    { who: 'alice', owner: 'alice', running: false, retryable: 2, expected: true },
    { who: 'alice', owner: 'alice', running: true, retryable: 2, expected: false },
    { who: 'alice', owner: 'alice', running: false, retryable: 0, expected: false },
    // cancelAll is about cancelling: retrying starts new work in the owner's name.
    { who: 'admin', owner: 'alice', running: false, retryable: 2, expected: false },
  ])(
    '$who on $owner’s run, running $running, $retryable to retry: $expected',
    ({ who, owner, running, retryable, expected }) => {
      expect(mayRetry({ username: who }, { username: owner, running }, retryable)).toBe(expected);
    },
  );
});
