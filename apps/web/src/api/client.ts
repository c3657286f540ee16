import { type OgentClient, createOgentClient } from '@ogent/client';

export type ApiClient = OgentClient;

/**
 * The client for one token. The server authenticates a WebSocket once, from the connection
 * params sent when it opens, so a new token needs a new client: callers make one per sign-in.
 * The socket opens lazily with the first subscription and closes when none is left.
 */
export function createApiClient(token: string | null, onTokenExpired: () => void): ApiClient {
  return createOgentClient({
    url: location.origin,
    token,
    // Either way the token will not do: reconnecting with it would only be closed again.
    onTokenRejected: onTokenExpired,
  });
}
