import { TRPCError } from '@trpc/server';
import { LoginRefusedError } from '../auth/service.js';
import { TokenError } from '../auth/tokens.js';
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
  if (isDomainError(error)) {
    return new TRPCError({ code: CODES[error.code], message: error.message, cause: error });
  }
  if (error instanceof LoginRefusedError) {
    return new TRPCError({
      code: error.kind === 'rate_limited' ? 'TOO_MANY_REQUESTS' : 'UNAUTHORIZED',
      message: error.message,
      cause: error,
    });
  }
  if (error instanceof TokenError) {
    return new TRPCError({ code: 'UNAUTHORIZED', message: error.message, cause: error });
  }
  return undefined;
}
