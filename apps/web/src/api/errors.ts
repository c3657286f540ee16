import type { AppRouter } from '@ogent/client';
import { TRPCClientError } from '@trpc/client';

/** Why the policy refused a command, as the server sends it. */
export interface Refusal {
  readonly reason: string;
  readonly refusalCode: string;
  readonly rule: string;
  readonly executionId: string;
  /** Code-point index of the offending character in the command, or null. */
  readonly position: number | null;
  /** The offending word (command name, option, value, operand) in code points, or null. */
  readonly span: { readonly start: number; readonly end: number } | null;
}

export function isApiError(error: unknown): error is TRPCClientError<AppRouter> {
  return error instanceof TRPCClientError;
}

/** The tRPC error code (UNAUTHORIZED, FORBIDDEN, ...) or null for other failures. */
export function errorCode(error: unknown): string | null {
  return isApiError(error) ? (error.data?.code ?? null) : null;
}

export function refusalOf(error: unknown): Refusal | null {
  return isApiError(error) ? (error.data?.refusal ?? null) : null;
}

/** A sentence for the user. */
export function errorMessage(error: unknown): string {
  if (isApiError(error)) {
    if (error.data === undefined && /fetch|network|websocket/i.test(error.message)) {
      return 'Cannot reach the server. Check your connection and try again.';
    }
    return error.message;
  }
  return error instanceof Error ? error.message : 'Something went wrong.';
}
