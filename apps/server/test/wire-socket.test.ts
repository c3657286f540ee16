import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { encodeMessage, encodeMessageSplit } from '@ogent/wire';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WireSocket } from '../src/http/wire-socket.js';

/** A real HTTP + WebSocket server on port 0 speaking through WireSocket, and a `ws` client. */
describe('WireSocket: a split message leaves as one message, its bytes uncopied', () => {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, WebSocket: WireSocket });
  let server: WireSocket;
  let client: WebSocket;
  const received: { data: Buffer; isBinary: boolean }[] = [];

  beforeAll(async () => {
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const connected = new Promise<WireSocket>((resolve) =>
      wss.once('connection', (ws) => resolve(ws)),
    );
    client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    client.on('message', (data: Buffer, isBinary) => received.push({ data, isBinary }));
    await new Promise((resolve) => client.once('open', resolve));
    server = await connected;
  });

  afterAll(async () => {
    client.close();
    await new Promise((resolve) => wss.close(resolve));
    await new Promise((resolve) => http.close(resolve));
  });

  async function next(count: number): Promise<void> {
    await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(count));
  }

  it('delivers head and attachments as the very bytes encodeMessage would send, in one write', async () => {
    const message = {
      type: 'output',
      seq: 7,
      data: Buffer.from('first part of the output\n'),
      extra: [Buffer.alloc(70_000, 1), new Uint8Array(0), Buffer.from('last')],
    };
    const socket = (server as unknown as { _socket: Socket })._socket;
    const writev = vi.spyOn(socket as unknown as { _writev: () => void }, '_writev');
    const write = vi.spyOn(socket as unknown as { _write: () => void }, '_write');
    server.send(encodeMessageSplit(message));
    await next(1);
    expect(writev).toHaveBeenCalledTimes(1);
    expect(write).not.toHaveBeenCalled();
    writev.mockRestore();
    write.mockRestore();
    expect(received[0]?.isBinary).toBe(true);
    expect(received[0]?.data.equals(Buffer.from(encodeMessage(message) as Uint8Array))).toBe(true);
  });

  it('sends everything else as it is: text, and binary that is not split', async () => {
    server.send(encodeMessageSplit({ type: 'end', seq: 8 }));
    server.send(Buffer.from([1, 2, 3]));
    await next(3);
    expect(received[1]).toMatchObject({ isBinary: false });
    expect(received[1]?.data.toString()).toBe('{"type":"end","seq":8}');
    expect(received[2]?.data.equals(Buffer.from([1, 2, 3]))).toBe(true);
  });
});
