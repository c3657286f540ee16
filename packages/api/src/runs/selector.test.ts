import { describe, expect, it } from 'vitest';
import { type Selectable, parseSelector } from './selector.js';

const targets: Selectable[] = [
  { id: 'web-01', labels: { role: 'web', env: 'prod', zone: 'a' } },
  { id: 'web-02', labels: { role: 'web', env: 'test' } },
  { id: 'db-1', labels: { role: 'db', env: 'prod', zone: 'b' } },
  { id: 'local' },
];

const ids = (selector: string): string[] =>
  targets.filter((t) => parseSelector(selector).matches(t)).map((t) => t.id);

describe('selectors', () => {
  it.each([
    ['*', ['web-01', 'web-02', 'db-1', 'local']],
    ['role=web', ['web-01', 'web-02']],
    ['role==web', ['web-01', 'web-02']],
    ['role=web,env!=prod', ['web-02']],
    ['env!=prod', ['web-02', 'local']],
    ['role=web|db, env=prod', ['web-01', 'db-1']],
    ['zone', ['web-01', 'db-1']],
    ['!zone', ['web-02', 'local']],
    ['id=web-*', ['web-01', 'web-02']],
    ['id=local', ['local']],
    ['env=pro*', ['web-01', 'db-1']],
  ])('%s selects %j', (selector, expected) => {
    expect(ids(selector)).toEqual(expected);
  });

  it.each([
    ['', /it is empty/],
    ['role=web,', /a term is empty/],
    ['role=(web)', /a value is letters/],
    ['ro le=web', /a label key is/],
    ['=web', /a label key is/],
  ])('refuses %j, naming the term', (selector, message) => {
    expect(() => parseSelector(selector)).toThrow(message);
  });
});
