import { type Socket, connect, createServer } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between the browser and the server, to break the connection the way
 * a network does: `drop()` cuts every open connection (the browser reconnects at once);
 * `setOffline(true)` also refuses new ones until `setOffline(false)`.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((client) => this.accept(client));
  private offline = false;
  private port = 0;

  private constructor(private targetPort: number) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const address = proxy.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    proxy.port = address.port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Sends new connections to another port (the server came back on a new one). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  /** Cuts every connection open now. */
  drop(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  setOffline(offline: boolean): void {
    this.offline = offline;
    if (offline) this.drop();
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.offline) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
