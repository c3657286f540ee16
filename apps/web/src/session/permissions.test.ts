import { describe, expect, it } from 'vitest';
import { mayCancel } from './permissions';

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
