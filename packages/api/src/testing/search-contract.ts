import { defined } from '@ogent/executor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionListItem, ExecutionRecord } from '../domain/execution.js';
import type { OutputSearchIndex } from '../ports/output-search.js';
import type { ExecutionRecords } from '../ports/records.js';
import { SNIPPET_MAX_CHARS } from '../search/snippet.js';
import { sampleRecord } from './contracts.js';

export interface SearchUnderTest {
  readonly records: ExecutionRecords;
  readonly index: OutputSearchIndex;
  close(): Promise<void>;
}

const ended = (overrides: Partial<ExecutionRecord>): ExecutionRecord =>
  sampleRecord({
    status: 'completed',
    exitCode: 0,
    finishedAt: 1_800_000_000_000,
    durationMs: 1,
    outputBytes: 100,
    lastSeq: 1,
    ...overrides,
  });

const ids = (items: readonly ExecutionListItem[]): string[] => items.map((i) => i.id);

/** The words a snippet marks as matches, lower-cased. */
const marked = (item: ExecutionListItem | undefined): string[] =>
  (item?.snippet ?? []).filter((p) => p.match).map((p) => p.text.toLowerCase());

/**
 * Text search over records and indexed output: what `ExecutionRecords.list({ text })` and an
 * `OutputSearchIndex` on the same store must do together, whatever full-text engine is behind.
 */
export function describeOutputSearchContract(
  name: string,
  make: () => Promise<SearchUnderTest>,
): void {
  describe(`output search contract: ${name}`, () => {
    let store: SearchUnderTest;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    it('finds an execution by words of its output that its command does not hold, with a snippet', async () => {
      const hit = ended({ input: 'journalctl -u nginx' });
      const miss = ended({ input: 'uptime' });
      await store.records.insert(hit);
      await store.records.insert(miss);
      const filler = 'lorem ipsum dolor sit amet '.repeat(40);
      await store.index.index(
        hit.id,
        `${filler}\nnginx: worker process Segfaulted at 0x7f, restarting\n${filler}`,
      );
      await store.index.index(miss.id, 'load average: 0.12 0.08 0.01\nall good');

      // Case folded; every word must be there, in any order.
      const found = await store.records.list({ limit: 10, text: 'segfaulted NGINX' });
      expect(ids(found.items)).toEqual([hit.id]);
      const item = found.items[0];
      expect(marked(item)).toEqual(expect.arrayContaining(['segfaulted', 'nginx']));
      const shown = (item?.snippet ?? []).map((p) => p.text).join('');
      expect(shown).toContain('worker process');
      expect(shown.length).toBeLessThanOrEqual(SNIPPET_MAX_CHARS + 2);
      // eslint-disable-next-line no-control-regex
      expect(shown).not.toMatch(/[\u0000-\u001f\ue000\ue001]/);
      // A word that is in neither output, with one that is: nothing.
      expect((await store.records.list({ limit: 10, text: 'segfaulted zebra' })).items).toEqual([]);
      // Whole words: a piece of one is not a match.
      expect((await store.records.list({ limit: 10, text: 'segfault' })).items).toEqual([]);
    });

    it('matches the command too (ignoring case), then with no snippet', async () => {
      const record = ended({ input: 'systemctl status Postgresql' });
      await store.records.insert(record);
      await store.index.index(record.id, 'active (running) since Monday');
      const found = await store.records.list({ limit: 10, text: 'status postgres' });
      expect(ids(found.items)).toEqual([record.id]);
      expect(found.items[0]?.snippet).toBeNull();
      // Query syntax and punctuation are words like any other, never an error.
      for (const text of ['"', 'a OR b', 'NEAR(x y)', '*', 'body:x', "'; drop table", '-x', '%_']) {
        await expect(store.records.list({ limit: 10, text })).resolves.toBeDefined();
      }
    });

    it('keeps the listing order and pages, each match once, with the other filters', async () => {
      const at = 1_900_000_000_000;
      const mine = [0, 1, 2, 3, 4].map((i) =>
        ended({ createdAt: at + Math.floor(i / 2), input: `cat /var/log/app-${i}.log` }),
      );
      const bobs = ended({ createdAt: at + 10, username: 'bob', input: 'cat /var/log/bob.log' });
      const other = ended({ createdAt: at + 11, input: 'cat /var/log/quiet.log' });
      for (const r of [...mine, bobs, other]) await store.records.insert(r);
      for (const r of [...mine, bobs]) await store.index.index(r.id, `ERROR disk quota exceeded`);
      await store.index.index(other.id, 'nothing to report');

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages += 1) {
        const page = await store.records.list({
          limit: 2,
          username: 'alice',
          text: 'quota',
          ...defined({ cursor }),
        });
        expect(page.items.length).toBeLessThanOrEqual(2);
        for (const item of page.items) expect(marked(item)).toEqual(['quota']);
        seen.push(...ids(page.items));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      // Newest first (ties by id, descending), only alice's, never the one without the word.
      expect(seen).toEqual(
        [...mine]
          .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
          .map((r) => r.id),
      );
      // Someone who sees everyone's finds bob's too.
      expect(ids((await store.records.list({ limit: 50, text: 'quota' })).items)).toContain(
        bobs.id,
      );
    });

    it('forgets removed text, and indexing again replaces what was there', async () => {
      const record = ended({ input: 'df -h' });
      await store.records.insert(record);
      await store.index.index(record.id, 'filesystem overlay 91% used');
      expect(ids((await store.records.list({ limit: 10, text: 'overlay' })).items)).toEqual([
        record.id,
      ]);
      await store.index.index(record.id, 'filesystem tmpfs 3% used');
      expect((await store.records.list({ limit: 10, text: 'overlay' })).items).toEqual([]);
      expect(ids((await store.records.list({ limit: 10, text: 'tmpfs' })).items)).toEqual([
        record.id,
      ]);
      await store.index.remove([record.id]);
      expect((await store.records.list({ limit: 10, text: 'tmpfs' })).items).toEqual([]);
      // The record is still listed, by its command.
      expect(ids((await store.records.list({ limit: 10, text: 'df -h' })).items)).toEqual([
        record.id,
      ]);
    });
  });
}
