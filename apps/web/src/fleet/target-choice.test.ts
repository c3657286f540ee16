import { describe, expect, it } from 'vitest';
import type { TargetView } from '../api/types.js';
import { filterTargets, isFleet, parseTargetChoice, pickTarget, searchTerm } from './target-choice';

const ids = new Set(['local', 'web-1', 'web-2', 'db-1']);
const isTarget = (id: string): boolean => ids.has(id);

function target(id: string, label: string, labels: Record<string, string> = {}): TargetView {
  return { id, label, transport: 'local', host: null, labels, commands: [] };
}

describe('parseTargetChoice', () => {
  it.each([
    ['', { kind: 'none' }],
    ['  ', { kind: 'none' }],
    ['web-1', { kind: 'target', id: 'web-1' }],
    [' web-1 , ', { kind: 'target', id: 'web-1' }],
    ['web-1, web-1', { kind: 'target', id: 'web-1' }],
    ['web-1,db-1', { kind: 'targets', ids: ['web-1', 'db-1'] }],
    ['web', { kind: 'unknown', names: ['web'] }],
    ['web-1, web-9', { kind: 'unknown', names: ['web-9'] }],
    ['role=web', { kind: 'selector', selector: 'role=web' }],
    ['role=web,env!=prod', { kind: 'selector', selector: 'role=web,env!=prod' }],
    ['name=web-*', { kind: 'selector', selector: 'name=web-*' }],
    ['*', { kind: 'selector', selector: '*' }],
    ['!zone', { kind: 'selector', selector: '!zone' }],
  ] as const)('reads %j', (text, choice) => {
    expect(parseTargetChoice(text, isTarget)).toEqual(choice);
  });

  it('runs one target as an execution and more, or a selector, as a run', () => {
    expect(isFleet(parseTargetChoice('web-1', isTarget))).toBe(false);
    expect(isFleet(parseTargetChoice('web-1,web-2', isTarget))).toBe(true);
    expect(isFleet(parseTargetChoice('role=web', isTarget))).toBe(true);
    expect(isFleet(parseTargetChoice('web', isTarget))).toBe(false);
  });
});

describe('suggestions', () => {
  const targets = [
    target('local', 'Local'),
    target('web-1', 'Web 1', { role: 'web', env: 'prod' }),
    target('web-2', 'Web 2', { role: 'web', env: 'staging' }),
    target('db-1', 'Primary database', { role: 'db' }),
  ];

  it('filters by id, label and labels, in any case', () => {
    const found = (term: string): string[] => filterTargets(targets, term).map((t) => t.id);
    expect(found('')).toEqual(['local', 'web-1', 'web-2', 'db-1']);
    expect(found('WEB')).toEqual(['web-1', 'web-2']);
    expect(found('primary')).toEqual(['db-1']);
    expect(found('staging')).toEqual(['web-2']);
    expect(found('role=db')).toEqual(['db-1']);
    expect(found('nothing')).toEqual([]);
  });

  it('searches for one more target after a comma, and not inside a selector', () => {
    expect(searchTerm('we', isTarget)).toEqual({ term: 'we', chosen: [] });
    expect(searchTerm('web-1, d', isTarget)).toEqual({ term: 'd', chosen: ['web-1'] });
    expect(searchTerm('web-1,', isTarget)).toEqual({ term: '', chosen: ['web-1'] });
    expect(searchTerm('nope, d', isTarget)).toBeNull();
    expect(searchTerm('role=web', isTarget)).toBeNull();
    expect(pickTarget(['web-1'], 'db-1')).toBe('web-1, db-1');
    expect(pickTarget(['web-1'], 'web-1')).toBe('web-1');
    expect(pickTarget([], 'local')).toBe('local');
  });
});
