import { isOgentApiError } from '@ogent/client';

// The error's contract (its code, a refusal's shape) is the client package's.
export { errorCode, refusalOf, type Refusal } from '@ogent/client';

/** A sentence for the user. */
export function errorMessage(error: unknown): string {
  if (isOgentApiError(error)) {
    if (error.data === undefined && /fetch|network|websocket/i.test(error.message)) {
      return 'Cannot reach the server. Check your connection and try again.';
    }
    return error.message;
  }
  return error instanceof Error ? error.message : 'Something went wrong.';
}
