import { errorMessage } from '../api/errors';

export const EXPIRED_NOTICE = 'Your session has expired. Sign in again to continue.';

/**
 * What the sign-in screen says after the server refused the session: that it expired, or the
 * server's own reason (signed out elsewhere, ended by an administrator, account disabled).
 */
export function sessionNotice(error: unknown): string {
  const message = errorMessage(error);
  return /expired/i.test(message) || message === '' ? EXPIRED_NOTICE : message;
}
