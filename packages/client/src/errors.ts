import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from './router.js';

/** The server closed the WebSocket because the token expired (4001) or was not valid (4401). */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
  constructor(readonly closeCode: number) {
    super(
      closeCode === 4001
        ? 'The token has expired: sign in again'
        : 'The server did not accept the token: sign in again',
    );
  }
}

/** An error the API answered (or a failure to reach it), typed with the router's error shape. */
export type OgentApiError = TRPCClientError<AppRouter>;

export function isOgentApiError(error: unknown): error is OgentApiError {
  return error instanceof TRPCClientError;
}

/** The tRPC error code (`UNAUTHORIZED`, `FORBIDDEN`, ...), or null when the server was not reached. */
export function errorCode(error: unknown): string | null {
  return isOgentApiError(error) ? (error.data?.code ?? null) : null;
}

/** Why the policy refused a command (reason, rule, position), or null for other errors. */
export function refusalOf(
  error: unknown,
): NonNullable<NonNullable<OgentApiError['data']>['refusal']> | null {
  return isOgentApiError(error) ? (error.data?.refusal ?? null) : null;
}
