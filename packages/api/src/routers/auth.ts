import { z } from 'zod';
import { protectedProcedure, publicProcedure, router } from '../trpc.js';

export const authRouter = router({
  /** Exchanges a username and password for a token. Failed attempts are rate-limited. */
  login: publicProcedure
    .input(
      z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) }),
    )
    // A refusal (LoginRefusedError) becomes UNAUTHORIZED or TOO_MANY_REQUESTS in the error
    // mapping every procedure shares.
    .mutation(({ ctx, input }) =>
      ctx.services.auth.login(input.username, input.password, ctx.clientAddress),
    ),

  /** The signed-in user and what their token allows. */
  me: protectedProcedure.query(({ ctx }) => ctx.user),
});
