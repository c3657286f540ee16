import { z } from 'zod';
import { protectedProcedure, router } from '../trpc.js';

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

  /** Checks the hash chain from the first event to the last (roles with `audit` only). */
  verify: protectedProcedure.query(({ ctx }) => ctx.services.audit.verify(ctx.user)),
});
