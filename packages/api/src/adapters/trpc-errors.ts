import { TRPCError } from '@trpc/server';
import { type DomainErrorCode, isDomainError } from '../errors.js';

const CODES: Record<DomainErrorCode, TRPCError['code']> = {
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  command_refused: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  rate_limited: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
  invalid_input: 'BAD_REQUEST',
};

/**
 * The one place where domain errors become tRPC errors. Anything else passes through unchanged
 * (tRPC reports it as an internal error). The domain error stays the `cause`, so the error
 * formatter and the REST adapter can read its details.
 */
export function toTRPCError(error: unknown): unknown {
  if (error instanceof TRPCError) {
    return error.cause === undefined || error.code !== 'INTERNAL_SERVER_ERROR'
      ? error
      : (mapped(error.cause) ?? error);
  }
  return mapped(error) ?? error;
}

function mapped(error: unknown): TRPCError | undefined {
  return isDomainError(error)
    ? new TRPCError({ code: CODES[error.code], message: error.message, cause: error })
    : undefined;
}
