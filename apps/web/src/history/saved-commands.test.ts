import { describe, expect, it } from 'vitest';
import { MAX_SAVED, isSaved, parseSaved, toggleSaved } from './saved-commands';

describe('saved commands', () => {
  it('saves newest first and forgets on the second toggle, per target', () => {
    let list = toggleSaved([], 'uptime', 'local', 1);
    list = toggleSaved(list, 'df -h', 'local', 2);
    list = toggleSaved(list, 'uptime', 'web-1', 3);
    expect(list.map((s) => `${s.target}: ${s.command}`)).toEqual([
      'web-1: uptime',
      'local: df -h',
      'local: uptime',
    ]);
    expect(isSaved(list, 'uptime', 'local')).toBe(true);
    list = toggleSaved(list, 'uptime', 'local', 4);
    expect(isSaved(list, 'uptime', 'local')).toBe(false);
    expect(isSaved(list, 'uptime', 'web-1')).toBe(true);
  });

  it('keeps at most MAX_SAVED, dropping the oldest', () => {
    let list = toggleSaved([], 'echo 0', 'local', 0);
    for (let i = 1; i <= MAX_SAVED; i += 1) list = toggleSaved(list, `echo ${i}`, 'local', i);
    expect(list).toHaveLength(MAX_SAVED);
    expect(isSaved(list, 'echo 0', 'local')).toBe(false);
    expect(list[0]?.command).toBe(`echo ${MAX_SAVED}`);
  });

  it('reads back only well-formed entries', () => {
    expect(parseSaved(null)).toEqual([]);
    expect(parseSaved('not json')).toEqual([]);
    expect(parseSaved('{"command":"ls"}')).toEqual([]);
    expect(
      parseSaved(
        JSON.stringify([
          { command: 'ls', target: 'local', savedAt: 5 },
          { command: 'ls' },
          null,
          { command: 1, target: 'local', savedAt: 5 },
        ]),
      ),
    ).toEqual([{ command: 'ls', target: 'local', savedAt: 5 }]);
  });
});
