import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { LoginRefusedError } from '../auth/service.js';
import { protectedProcedure, publicProcedure, router } from '../trpc.js';

export const authRouter = router({
  /** Exchanges a username and password for a token. Failed attempts are rate-limited. */
  login: publicProcedure
    .input(
      z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) }),
    )
    .mutation(async ({ ctx, input }) => {
      try {
        return await ctx.services.auth.login(input.username, input.password, ctx.clientAddress);
      } catch (error) {
        if (error instanceof LoginRefusedError) {
          throw new TRPCError({
            code: error.kind === 'rate_limited' ? 'TOO_MANY_REQUESTS' : 'UNAUTHORIZED',
            message: error.message,
          });
        }
        throw error;
      }
    }),

  /** The signed-in user and what their token allows. */
  me: protectedProcedure.query(({ ctx }) => ctx.user),
});
