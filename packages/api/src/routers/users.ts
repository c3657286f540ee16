import { defined } from '@ogent/executor';
import { z } from 'zod';
import { protectedProcedure, router } from '../trpc.js';

/** Any username an account may have: local ones, and an outside provider's (`auth0|123`). */
const anyUsername = z.string().min(1).max(256);

/** Administrators' work on accounts (roles with `manageUsers`). */
export const usersRouter = router({
  /** Every local account, and every outside user an administrator changed, with their state. */
  list: protectedProcedure.query(({ ctx }) => ctx.services.accounts.list(ctx.user)),

  /**
   * Disables or enables an account, or sets its roles in place of the configured ones (`null`
   * goes back to them). Takes effect at once on every instance: a disabled account's sessions
   * end and its sockets close; after a change of roles its sockets reconnect under the new ones.
   */
  update: protectedProcedure
    .input(
      z
        .object({
          username: anyUsername,
          disabled: z.boolean().optional(),
          roles: z.array(z.string().min(1).max(128)).max(64).nullable().optional(),
        })
        .strict()
        .refine((c) => c.disabled !== undefined || c.roles !== undefined, {
          message: 'give disabled, roles or both',
        }),
    )
    .mutation(({ ctx, input }) =>
      ctx.services.accounts.update(
        ctx.user,
        input.username,
        defined({ disabled: input.disabled, roles: input.roles }),
        ctx.clientAddress,
      ),
    ),

  /** Ends every session of a user. */
  revokeSessions: protectedProcedure
    .input(z.object({ username: anyUsername }).strict())
    .mutation(async ({ ctx, input }) => ({
      sessionsEnded: await ctx.services.accounts.revokeSessions(
        ctx.user,
        input.username,
        ctx.clientAddress,
      ),
    })),
});
