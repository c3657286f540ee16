import { describe, expect, it } from 'vitest';
import { foldHosts } from './fold.js';

describe('folding host lists', () => {
  it.each([
    [['web-01', 'web-02', 'web-03'], 'web-[01-03]'],
    [['web-01', 'web-02', 'web-07', 'web-10', 'web-11'], 'web-[01-02,07,10-11]'],
    [['web-1', 'web-2', 'web-10'], 'web-[1-2,10]'],
    [['web-09', 'web-10', 'web-100'], 'web-[09-10],web-100'],
    [['db', 'web-3', 'web-1', 'db'], 'db,web-[1,3]'],
    [['rack1-node04.dc', 'rack1-node05.dc'], 'rack1-node[04-05].dc'],
    [['a7'], 'a7'],
    [[], ''],
  ])('%j folds to %s', (ids, folded) => {
    expect(foldHosts(ids)).toBe(folded);
  });
});
