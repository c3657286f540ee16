import { wireTransformer } from '@ogent/wire';
import { TRPCError, initTRPC } from '@trpc/server';
import type { Context } from './context.js';
import { toTRPCError } from './adapters/trpc-errors.js';
import { refusalDetails } from './errors.js';

interface IssueLike {
  readonly path?: readonly PropertyKey[];
  readonly message: string;
}

/**
 * Validation issues (from zod, through tRPC's input parsing), flattened for clients: the error
 * formatter's `issues`, and the REST adapter's.
 */
export function validationIssues(cause: unknown): { path: string; message: string }[] | null {
  if (cause === null || typeof cause !== 'object' || !('issues' in cause)) return null;
  const { issues } = cause;
  if (!Array.isArray(issues)) return null;
  return (issues as IssueLike[]).map((issue) => ({
    path: (issue.path ?? []).map(String).join('.'),
    message: issue.message,
  }));
}

const t = initTRPC.context<Context>().create({
  // Keeps Uint8Array output typed as such; the WebSocket encoder carries the bytes.
  transformer: wireTransformer,
  // Never send stack traces to clients.
  isDev: false,
  // Subscriptions run over the WebSocket only, where the connection is closed when its token
  // expires. An HTTP event stream would be authorised once and then run on past the token.
  sse: { enabled: false },
  errorFormatter({ shape, error }) {
    const refusal = refusalDetails(error);
    return {
      ...shape,
      // An unexpected error's message is for the log (a database path, a property name), not
      // for the caller.
      message: error.code === 'INTERNAL_SERVER_ERROR' ? 'Internal server error.' : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        issues: error.code === 'BAD_REQUEST' ? validationIssues(error.cause) : null,
        refusal,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * The services throw domain errors; this turns them into tRPC errors, once, for every query and
 * mutation. (A subscription's errors arise while it is iterated: it maps them itself.)
 */
const mapDomainErrors = t.middleware(async function mapDomainErrors({ next }) {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error);
    if (mapped !== result.error) throw mapped;
  }
  return result;
});

export const publicProcedure = t.procedure.use(mapDomainErrors);

/** Requires a valid, unexpired token; narrows `ctx.user` to non-null. */
export const protectedProcedure = publicProcedure.use(function requireUser({ ctx, next }) {
  if (ctx.user === null) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError ?? 'Sign in first.' });
  }
  // A WebSocket context lives as long as the connection: the expiry is checked at every call.
  if (ctx.user.expiresAt <= ctx.services.clock.now()) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The token has expired. Sign in again.' });
  }
  return next({ ctx: { ...ctx, user: ctx.user } });
});
