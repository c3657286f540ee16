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

  /**
   * A new token for the caller's session, valid for another `auth.tokenTtl` but never past the
   * session's maximum age (`auth.maxSessionAge` from the sign-in). The old token stays valid
   * until it expires; sockets opened with it stay open.
   */
  renew: protectedProcedure.mutation(({ ctx }) => ctx.services.auth.renew(ctx.user)),

  /** Ends the caller's session: every token of it is refused from now on, its sockets closed. */
  logout: protectedProcedure.mutation(async ({ ctx }) => {
    await ctx.services.auth.signOut(ctx.user, ctx.clientAddress);
    return { signedOut: true as const };
  }),
});
