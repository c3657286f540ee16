import { describe, expect, it } from 'vitest';
import type { RunFeed } from '../ports/runs.js';

/**
 * Run feeds: what one instance publishes, every instance hears, each listener once. `instances`
 * makes one feed per instance sharing a backend (one for the single node).
 */
export function describeRunFeedContract(
  name: string,
  instances: () => Promise<readonly RunFeed[]>,
): void {
  describe(`run feed contract: ${name}`, () => {
    it('tells every instance of each change once; its own listeners before publish returns', async () => {
      const feeds = await instances();
      const [publisher] = feeds;
      if (publisher === undefined) throw new Error('no feed');
      const heard = feeds.map(() => [] as string[]);
      const stops = feeds.map((feed, i) => feed.subscribe((runId) => heard[i]?.push(runId)));
      const ids = [`run-${Math.random()}`, `run-${Math.random()}`];
      for (const id of ids) publisher.publish(id);
      expect(heard[0]).toEqual(ids);
      // In order: once the second has arrived everywhere, so has any copy of the first.
      await expect.poll(() => heard.map((list) => list.at(-1))).toEqual(feeds.map(() => ids[1]));
      expect(heard).toEqual(feeds.map(() => ids));
      for (const stop of stops) stop();
    });

    it('stops telling a listener that unsubscribed', async () => {
      const feeds = await instances();
      const [publisher] = feeds;
      if (publisher === undefined) throw new Error('no feed');
      const gone: string[] = [];
      const kept: string[] = [];
      const stop = publisher.subscribe((runId) => gone.push(runId));
      const keep = publisher.subscribe((runId) => kept.push(runId));
      stop();
      publisher.publish('after');
      expect(kept).toEqual(['after']);
      expect(gone).toEqual([]);
      keep();
    });
  });
}
