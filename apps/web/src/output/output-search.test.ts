import { describe, expect, it } from 'vitest';
import { MAX_ROW_CHARS, OutputBuffer } from './output-buffer';
import { type Match, OutputSearch, findMatches, queryPattern } from './output-search';
import { plainLine } from './sgr';
import { end, numberedLines, out } from './test-messages';

/** Every match, found the slow way: each row on its own, as the screen shows it. */
function naive(buffer: OutputBuffer, text: string, caseSensitive: boolean): Match[] {
  const pattern = queryPattern({ text, caseSensitive });
  if (pattern === null) return [];
  const matches: Match[] = [];
  for (let row = 0; row < buffer.rowCount; row += 1) {
    for (const start of findMatches(plainLine(buffer.row(row).text), pattern)) {
      matches.push({ row, start });
    }
  }
  return matches;
}

function searchAll(search: OutputSearch, rowsPerStep: number): void {
  while (search.step(rowsPerStep));
}

function matchesOf(search: OutputSearch): Match[] {
  return Array.from({ length: search.count }, (_, k) => search.match(k) ?? { row: -1, start: -1 });
}

/** A small deterministic PRNG (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'error',
  'Error',
  'ERR',
  'or',
  'err',
  ' ',
  'x',
  '\n',
  '\n',
  '\x1b[31m',
  '\x1b[0m',
  '\r',
  'é',
  '日本',
  '\t',
];

describe('queryPattern', () => {
  it('matches the text literally, whatever it holds', () => {
    const pattern = queryPattern({ text: 'a.b[1]*', caseSensitive: true });
    expect(pattern).not.toBeNull();
    if (pattern === null) return;
    expect(findMatches('axb[1]* a.b[1]* a.b[1]*', pattern)).toEqual([8, 16]);
    expect(queryPattern({ text: '', caseSensitive: false })).toBeNull();
    expect(queryPattern({ text: '\n', caseSensitive: false })).toBeNull();
  });

  it('ignores case unless asked, and finds matches that do not overlap', () => {
    const any = queryPattern({ text: 'aa', caseSensitive: false });
    const exact = queryPattern({ text: 'aa', caseSensitive: true });
    if (any === null || exact === null) throw new Error('no pattern');
    expect(findMatches('AAaAa', any)).toEqual([0, 2]);
    expect(findMatches('AAaAa', exact)).toEqual([]);
  });
});

describe('OutputSearch', () => {
  it('finds what a row-by-row search finds, in any slices, across streams, colours and cuts', () => {
    const next = random(16);
    for (let round = 0; round < 40; round += 1) {
      const buffer = new OutputBuffer();
      for (let chunk = 0; chunk < 30; chunk += 1) {
        let text = '';
        const pieces = 1 + Math.floor(next() * 20);
        for (let p = 0; p < pieces; p += 1) text += PIECES[Math.floor(next() * PIECES.length)];
        // Now and then a line too long for one row, cut with a match across the cut.
        if (next() < 0.1) text += 'error'.repeat(MAX_ROW_CHARS / 5 + 3);
        buffer.push(out(text, next() < 0.3 ? 'stderr' : 'stdout'));
      }
      if (round % 2 === 0) buffer.push(end());
      for (const [query, caseSensitive] of [
        ['error', false],
        ['error', true],
        ['rr', false],
        ['日本', true],
        ['x e', false],
      ] as const) {
        const search = new OutputSearch(buffer, { text: query, caseSensitive });
        searchAll(search, 1 + Math.floor(next() * 9));
        const expected = naive(buffer, query, caseSensitive);
        expect(matchesOf(search), `round ${round}, ${query}`).toEqual(expected);
        const rows = [...new Set(expected.map((m) => m.row))];
        expect(Array.from({ length: search.rowCount }, (_, j) => search.rowAt(j))).toEqual(rows);
        for (const row of [0, 3, 17, buffer.rowCount - 1]) {
          const first = expected.findIndex((m) => m.row >= row);
          expect(search.firstMatchFrom(row)).toBe(first === -1 ? expected.length : first);
          const firstRow = rows.findIndex((r) => r >= row);
          expect(search.rowIndexFrom(row)).toBe(firstRow === -1 ? rows.length : firstRow);
        }
      }
    }
  });

  it('never finds a match that runs from a cut row into the next', () => {
    const buffer = new OutputBuffer();
    buffer.push(out(`${'x'.repeat(MAX_ROW_CHARS - 3)}error\n`));
    buffer.push(end());
    const search = new OutputSearch(buffer, { text: 'error', caseSensitive: true });
    searchAll(search, 100);
    expect(search.count).toBe(0);
    const split = new OutputSearch(buffer, { text: 'or', caseSensitive: true });
    searchAll(split, 100);
    expect(matchesOf(split)).toEqual([{ row: 1, start: 0 }]);
  });

  it('goes on as output arrives, counting the incomplete last line too', () => {
    const buffer = new OutputBuffer();
    buffer.push(out('disk error\nok\n'));
    const search = new OutputSearch(buffer, { text: 'error', caseSensitive: false });
    expect(search.done).toBe(false);
    searchAll(search, 1);
    expect(search.done).toBe(true);
    expect(search.count).toBe(1);
    // A line still arriving: counted now, and once, when it is complete.
    buffer.push(out('another ERR'));
    expect(search.count).toBe(1);
    buffer.push(out('OR here\n'));
    expect(search.done).toBe(false);
    expect(search.count).toBe(1);
    searchAll(search, 1);
    expect(matchesOf(search)).toEqual([
      { row: 0, start: 5 },
      { row: 2, start: 8 },
    ]);
    buffer.push(out('pending error', 'stderr'));
    expect(search.count).toBe(3);
    expect(search.match(2)).toEqual({ row: 3, start: 8 });
    expect(search.rowAt(search.rowCount - 1)).toBe(3);
    expect(search.stableRowCount).toBe(2);
  });

  it('searches 2 million lines in steps of a few thousand rows', () => {
    const buffer = numberedLines(2_000_000);
    const search = new OutputSearch(buffer, { text: '99999', caseSensitive: true });
    let steps = 0;
    while (search.step(8_192)) steps += 1;
    expect(steps).toBe(Math.ceil(2_000_000 / 8_192) - 1);
    let expected = 0;
    for (let i = 1; i <= 2_000_000; i += 1) if (String(i).includes('99999')) expected += 1;
    expect(search.count).toBe(expected);
    expect(search.match(0)).toEqual({ row: 99_998, start: 0 });
  });
});
