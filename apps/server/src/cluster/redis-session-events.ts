import type { SessionEvent, SessionEvents } from '@ogent/api';
import type { Redis } from './redis.js';

const CHANNEL = 'ogent:sessions';

function parse(message: string): SessionEvent | null {
  try {
    const event = JSON.parse(message) as Partial<SessionEvent> | null;
    if (event?.type === 'session.revoked' && typeof event.sessionId === 'string') {
      return { type: event.type, sessionId: event.sessionId, reason: String(event.reason) };
    }
    if (event?.type === 'account.changed' && typeof event.username === 'string') {
      return { type: event.type, username: event.username, disabled: event.disabled === true };
    }
  } catch {
    // Not ours: ignored.
  }
  return null;
}

/**
 * The cluster's session events: published on one Redis channel, heard by every instance (the
 * publisher too, through its own subscription), which drops its cached entries and closes the
 * sockets concerned.
 */
export class RedisSessionEvents implements SessionEvents {
  private readonly listeners = new Set<(event: SessionEvent) => void>();

  private constructor(private readonly client: Redis) {}

  static async start(client: Redis, subscriber: Redis): Promise<RedisSessionEvents> {
    const events = new RedisSessionEvents(client);
    await subscriber.subscribe(CHANNEL, (message) => {
      const event = parse(message);
      if (event === null) return;
      for (const listener of events.listeners) listener(event);
    });
    return events;
  }

  async publish(event: SessionEvent): Promise<void> {
    // This instance at once (its own subscription's echo comes later and does no harm).
    for (const listener of this.listeners) listener(event);
    await this.client.publish(CHANNEL, JSON.stringify(event));
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
