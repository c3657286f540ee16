import { type OgentClient, createOgentClient } from '@ogent/client';

export type ApiClient = OgentClient;

/**
 * The client for one session: `token` is asked for at every request and whenever the WebSocket
 * opens, so a renewed token is used at once and an open socket stays open (the server follows
 * the session's renewals). A new sign-in makes a new client. The socket opens lazily with the
 * first subscription and closes when none is left.
 */
export function createApiClient(
  token: () => string | null,
  onTokenRejected: (closeCode: number) => void,
): ApiClient {
  return createOgentClient({ url: location.origin, getToken: token, onTokenRejected });
}
