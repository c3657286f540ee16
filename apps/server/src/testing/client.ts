import { type OgentClient, createOgentClient } from '@ogent/client';
import { WebSocket } from 'ws';

export interface TypedClient extends OgentClient {
  /** Drops the WebSocket as a network failure would; the client reconnects by itself. */
  dropConnection(): void;
}

/**
 * The published client (`@ogent/client`), as another project uses it, with a handle on its
 * WebSocket so that tests can drop the connection. It reconnects quickly and closes an idle
 * socket after a second, so tests do not wait on it.
 */
export function typedClient(url: string, token: () => string | null): TypedClient {
  let socket: WebSocket | undefined;
  const client = createOgentClient({
    url,
    getToken: token,
    WebSocket: class extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        socket = this;
      }
    },
    idleCloseMs: 1_000,
    retryDelayMs: () => 50,
  });
  return { ...client, dropConnection: () => socket?.terminate() };
}
