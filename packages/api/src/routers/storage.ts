import { protectedProcedure, router } from '../trpc.js';

export const storageRouter = router({
  /**
   * Stored output and records, the retention rules and caps, and what the next pruning pass
   * would free (roles with `viewAll` or `audit` only; FORBIDDEN for others).
   */
  overview: protectedProcedure.query(({ ctx }) => ctx.services.storage.overview(ctx.user)),
});
