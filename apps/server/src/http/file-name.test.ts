import { describe, expect, it } from 'vitest';
import { outputFileName } from './file-name.js';

describe('outputFileName', () => {
  it('names the target, the command and the start, in characters safe in any header', () => {
    const record = {
      target: 'web-1',
      input: 'ls -la /var/log',
      createdAt: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    };
    expect(outputFileName(record, 'cast')).toBe('ogent-web-1-ls_-la_var_log-20250102T030405Z.cast');
    expect(outputFileName(record, 'txt')).toBe('ogent-web-1-ls_-la_var_log-20250102T030405Z.txt');
    expect(outputFileName({ target: 'a"b', input: '"; rm', createdAt: 0 }, 'txt')).toBe(
      'ogent-a_b-rm-19700101T000000Z.txt',
    );
    expect(outputFileName({ target: 'x', input: '$(id)', createdAt: 0 }, 'txt')).toBe(
      'ogent-x-id-19700101T000000Z.txt',
    );
  });
});
