import { TRPCError } from '@trpc/server';
import type { SubscriptionCounter } from '../context.js';

/** `lastEventId` is the `seq` of the last event received: a non-negative integer. */
export function parseLastEventId(value: string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (!/^\d{1,15}$/.test(value)) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `Invalid lastEventId: ${JSON.stringify(value.slice(0, 32))}`,
    });
  }
  return Number(value);
}

/**
 * Counts a subscription in on its connection, or refuses it when the connection already holds
 * its maximum. Returns the function that counts it out again.
 */
export function holdSubscription(counter: SubscriptionCounter | null): () => void {
  if (counter === null) return () => undefined;
  if (counter.open >= counter.max) {
    throw new TRPCError({
      code: 'TOO_MANY_REQUESTS',
      message: `This connection already has ${counter.max} subscriptions open. Stop one before starting another.`,
    });
  }
  counter.open += 1;
  return () => {
    counter.open -= 1;
  };
}
