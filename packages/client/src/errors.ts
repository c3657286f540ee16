import { TRPCClientError } from '@trpc/client';
import { TOKEN_EXPIRED_CLOSE_CODE, type Refusal } from './contract.js';
import type { AppRouter } from './router.js';

/** The server closed the WebSocket because the token expired, was not valid, or its session ended. */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
  constructor(readonly closeCode: number) {
    super(
      closeCode === TOKEN_EXPIRED_CLOSE_CODE
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
export function refusalOf(error: unknown): Refusal | null {
  return isOgentApiError(error) ? (error.data?.refusal ?? null) : null;
}
