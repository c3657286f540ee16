import { describe, expect, it } from 'vitest';
import { targetName } from './target-name';

describe('targetName', () => {
  it.each([
    [{ id: 'local', label: 'This server' }, 'This server (local)'],
    [{ id: 'db-1', label: 'Primary database' }, 'Primary database (db-1)'],
    [{ id: 'local', label: 'Local' }, 'Local'],
    [{ id: 'web-1', label: 'Web 1' }, 'Web 1'],
    [{ id: 'web-1', label: 'web-1' }, 'web-1'],
    [{ id: 'web-1', label: 'Web 2' }, 'Web 2 (web-1)'],
  ])('names %o as %s', (target, name) => {
    expect(targetName(target)).toBe(name);
  });
});
