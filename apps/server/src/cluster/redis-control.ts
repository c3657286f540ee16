import type { Control } from '@ogent/api';
import type { Redis } from './redis.js';

const CHANNEL = 'ogent:cancel';

/**
 * The cluster's control: a cancel asked on any instance is published on one channel; the
 * instance running the execution (registered here) stops it.
 */
export class RedisControl implements Control {
  private readonly handlers = new Map<string, () => void>();

  private constructor(private readonly client: Redis) {}

  /** Subscribes (on the subscriber connection; node-redis subscribes again after a reconnect). */
  static async start(client: Redis, subscriber: Redis): Promise<RedisControl> {
    const control = new RedisControl(client);
    await subscriber.subscribe(CHANNEL, (executionId) => control.handlers.get(executionId)?.());
    return control;
  }

  register(executionId: string, onCancel: () => void): () => void {
    this.handlers.set(executionId, onCancel);
    return () => {
      if (this.handlers.get(executionId) === onCancel) this.handlers.delete(executionId);
    };
  }

  async cancel(executionId: string): Promise<boolean> {
    const local = this.handlers.get(executionId);
    if (local !== undefined) {
      local();
      return true;
    }
    // Each instance subscribes: a receiver count above zero means the request went out.
    return (await this.client.publish(CHANNEL, executionId)) > 0;
  }
}
