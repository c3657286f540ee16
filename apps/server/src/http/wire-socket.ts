import type { Socket } from 'node:net';
import { decodeMessage, encodeMessageSplit, takeAttachments } from '@ogent/wire';
import { WebSocket } from 'ws';

/**
 * The server's WebSocket: a binary message encoded by `encodeMessageSplit` goes out as one
 * WebSocket message in fragments (the head, then each attachment as a continuation frame),
 * written in one system call, so output bytes are never copied into a frame of their own.
 * Clients receive an ordinary message, byte for byte what `encodeMessage` would have produced.
 */
export class WireSocket extends WebSocket {
  override send(data: unknown, options?: unknown, cb?: unknown): void {
    const parts =
      data instanceof Uint8Array ? takeAttachments(data)?.filter((a) => a.byteLength > 0) : [];
    if (parts === undefined || parts.length === 0 || this.readyState !== WebSocket.OPEN) {
      // Anything else, and a socket no longer open (ws reports that through the callback).
      super.send(data as Buffer, options ?? {}, cb as (error?: Error) => void);
      return;
    }
    const done = (typeof options === 'function' ? options : cb) as
      ((error?: Error) => void) | undefined;
    // ws keeps the socket it speaks on as `_socket`: corked, every frame goes in one writev.
    const socket = (this as unknown as { _socket: Socket })._socket;
    socket.cork();
    try {
      super.send(data as Uint8Array, { binary: true, fin: false });
      parts.forEach((part, i) => {
        const last = i === parts.length - 1;
        super.send(part, { binary: true, fin: last }, last ? done : undefined);
      });
    } finally {
      socket.uncork();
    }
  }
}

/** The server's side of the wire format: binary messages split (see WireSocket). */
export const splitWireEncoder = {
  encode: encodeMessageSplit,
  decode: decodeMessage,
};
