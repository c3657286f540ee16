import { RESP_TYPES, type RedisClientType, createClient } from 'redis';

/** Bulk strings as Buffers: output bytes cross Redis unchanged. */
export const AS_BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

export type Redis = RedisClientType;

/** A raw reply of Redis, as `sendCommand` gives it with {@link AS_BUFFERS}. */
export type Reply = Buffer | number | null | Reply[];

export interface RedisConnections {
  /** Commands of every kind but blocking reads and subscriptions. */
  readonly client: Redis;
  /** The instance's one blocking reader (XREAD BLOCK), on its own connection. */
  readonly blocking: Redis;
  /** Subscriptions (cancel requests), on their own connection. */
  readonly subscriber: Redis;
  /** Whether the server answers (for /healthz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Connects to Redis with node-redis (`redis`): the client Redis publishes, typed, with
 * automatic reconnection and re-subscription. A blocking read gets a connection of its own, as it
 * holds the connection while it waits.
 */
export async function connectRedis(
  url: string,
  onError: (error: Error) => void,
): Promise<RedisConnections> {
  const client: Redis = createClient({
    url,
    // Reconnect quickly, forever: a Redis restart is a blip, not the end.
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1_000), noDelay: true },
    // Commands wait for a reconnection instead of failing at once.
    disableOfflineQueue: false,
  });
  client.on('error', onError);
  await client.connect();
  const blocking = client.duplicate();
  blocking.on('error', onError);
  const subscriber = client.duplicate();
  subscriber.on('error', onError);
  await Promise.all([blocking.connect(), subscriber.connect()]);
  return {
    client,
    blocking,
    subscriber,
    ping: async () => {
      try {
        await client.sendCommand(['PING'], { timeout: 1_000 });
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await Promise.allSettled([client.close(), blocking.close(), subscriber.close()]);
    },
  };
}

/** Reads a Redis reply as text. */
export function text(reply: Reply | undefined): string {
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply ?? '');
}
