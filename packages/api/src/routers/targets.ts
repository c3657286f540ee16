import { protectedProcedure, router } from '../trpc.js';

export const targetsRouter = router({
  /** The targets the user may use, each with the commands allowed there. */
  list: protectedProcedure.query(({ ctx }) => ctx.services.catalog.list(ctx.user)),
});
