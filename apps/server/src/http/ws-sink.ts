import type { Socket } from 'node:net';
import type { OutputSink, SubscriptionCounter, Transport } from '@ogent/api';
import { ByteChain } from '@ogent/wire';
import type { WebSocket } from 'ws';
import { drainedOrClosed } from './drain.js';

/** Above this many unsent bytes on a socket, subscriptions wait before producing more. */
const SOCKET_HIGH_WATER = 1024 * 1024;

/**
 * Merged output for the WebSocket encoder (and nothing else): the pieces stay as they are, in a
 * ByteChain that the encoder writes back to back as one attachment, so the client decodes one
 * Uint8Array and the server copies nothing (each copy of a 1 GiB stream costs about a GiB of
 * garbage to collect). The type is therefore what the client receives; in this process, `data`
 * of a merged message is a ByteChain, which nothing but the encoder may read.
 */
export const chainBytesForWire: OutputSink['join'] = (parts, bytes) =>
  parts.length === 1 && parts[0] !== undefined
    ? parts[0]
    : (new ByteChain(parts, bytes) as unknown as Uint8Array);

/**
 * Backpressure for a subscription: resolves once the socket has room. tRPC's WebSocket adapter
 * sends whatever a subscription yields at once, so a paused client would otherwise make the
 * server buffer without bound; waiting here makes it fall behind into the stored log instead.
 */
function socketReady(ws: WebSocket, socket: Socket): () => Promise<void> {
  return async () => {
    while (ws.readyState === ws.OPEN && ws.bufferedAmount > SOCKET_HIGH_WATER) {
      await drainedOrClosed(socket, ws);
    }
  };
}

/**
 * What a WebSocket connection gives its subscriptions: its own subscription count, and output
 * that waits for the socket to drain and leaves uncopied, merged messages as chains of pieces.
 */
export function webSocketTransport(
  ws: WebSocket,
  socket: Socket,
  subscriptions: SubscriptionCounter,
): Transport {
  return { subscriptions, sink: { ready: socketReady(ws, socket), join: chainBytesForWire } };
}
