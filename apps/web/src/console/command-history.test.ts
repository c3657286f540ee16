import { describe, expect, it } from 'vitest';
import { AT_DRAFT, stepHistory, uniqueCommands } from './command-history';

describe('command history', () => {
  it('walks older and newer and gives back what was being typed', () => {
    const entries = ['ls -la', 'echo hi'];
    const up1 = stepHistory(entries, AT_DRAFT, 'sle', 'older');
    expect(up1?.value).toBe('ls -la');
    const up2 = stepHistory(entries, up1?.cursor ?? AT_DRAFT, 'ls -la', 'older');
    expect(up2?.value).toBe('echo hi');
    expect(stepHistory(entries, up2?.cursor ?? AT_DRAFT, 'echo hi', 'older')).toBeNull();
    const down1 = stepHistory(entries, up2?.cursor ?? AT_DRAFT, 'echo hi', 'newer');
    expect(down1?.value).toBe('ls -la');
    const down2 = stepHistory(entries, down1?.cursor ?? AT_DRAFT, 'ls -la', 'newer');
    expect(down2).toEqual({ cursor: { index: -1, draft: 'sle' }, value: 'sle' });
    expect(stepHistory(entries, down2?.cursor ?? AT_DRAFT, 'sle', 'newer')).toBeNull();
  });

  it('keeps each command once, newest first', () => {
    expect(uniqueCommands(['ls', 'echo a', ' ls ', '', 'echo b', 'echo a'])).toEqual([
      'ls',
      'echo a',
      'echo b',
    ]);
  });
});
