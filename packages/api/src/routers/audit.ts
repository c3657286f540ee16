import type { Clock } from '@ogent/executor';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { toTRPCError } from '../adapters/trpc-errors.js';
import { protectedProcedure, router } from '../trpc.js';
import { holdSubscription, parseLastEventId } from './subscriptions.js';

/** Audit events read per query by `onEvent`; how often it looks for more once caught up. */
const AUDIT_PAGE = 1_000;
const AUDIT_FOLLOW_MS = 500;

/** Resolves after `ms` on the clock, or at once when the signal aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(done, ms);
    function done(): void {
      timer.cancel();
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export const auditRouter = router({
  /** Audit events after `after`, oldest first (roles with `audit` only). */
  list: protectedProcedure
    .input(
      z.object({
        after: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(5_000).default(500),
      }),
    )
    .query(({ ctx, input }) => ctx.services.audit.after(ctx.user, input.after, input.limit)),

  /**
   * Audit events after `lastEventId` (0: from the first), oldest first, each tracked by its id;
   * with `follow`, new ones as they are recorded (looked for every AUDIT_FOLLOW_MS), else it
   * ends once caught up. Roles with `audit` only.
   */
  onEvent: protectedProcedure
    .input(z.object({ lastEventId: z.string().nullish(), follow: z.boolean().default(true) }))
    .subscription(async function* ({ ctx, input, signal }) {
      let after = parseLastEventId(input.lastEventId);
      const release = holdSubscription(ctx.transport.subscriptions);
      try {
        const abort = signal ?? new AbortController().signal;
        while (!abort.aborted) {
          const page = await ctx.services.audit.after(ctx.user, after, AUDIT_PAGE);
          for (const event of page) {
            yield tracked(String(event.id), event);
            after = event.id;
          }
          if (page.length < AUDIT_PAGE) {
            if (!input.follow) return;
            await sleep(ctx.services.clock, AUDIT_FOLLOW_MS, abort);
          }
        }
      } catch (error) {
        throw toTRPCError(error);
      } finally {
        release();
      }
    }),

  /** Checks the hash chain from the first event to the last (roles with `audit` only). */
  verify: protectedProcedure.query(({ ctx }) => ctx.services.audit.verify(ctx.user)),
});
