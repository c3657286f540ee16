import { randomUUID } from 'node:crypto';
import type { RunFeed } from '@ogent/api';
import type { Redis } from './redis.js';

const CHANNEL = 'ogent:runs';

/**
 * The cluster's run changes: a run's id published on one Redis channel, heard by every instance.
 * Listeners on the publishing instance hear it at once; its own echo (tagged with this feed's
 * id) is dropped, so a change wakes each watcher once.
 */
export class RedisRunFeed implements RunFeed {
  private readonly listeners = new Set<(runId: string) => void>();
  private readonly id = randomUUID();

  private constructor(
    private readonly client: Redis,
    private readonly onError: (error: unknown) => void,
  ) {}

  static async start(
    client: Redis,
    subscriber: Redis,
    onError: (error: unknown) => void,
  ): Promise<RedisRunFeed> {
    const feed = new RedisRunFeed(client, onError);
    await subscriber.subscribe(CHANNEL, (message) => {
      const [from, runId] = message.split(' ');
      if (from === feed.id || runId === undefined || runId === '') return;
      feed.tell(runId);
    });
    return feed;
  }

  publish(runId: string): void {
    this.tell(runId);
    // A lost message delays other instances' watchers to their next look; it loses nothing.
    this.client.publish(CHANNEL, `${this.id} ${runId}`).catch(this.onError);
  }

  subscribe(listener: (runId: string) => void): () => void {
    const entry = (runId: string): void => listener(runId);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  private tell(runId: string): void {
    for (const listener of [...this.listeners]) listener(runId);
  }
}
