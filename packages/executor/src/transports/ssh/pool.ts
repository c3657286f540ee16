import net from 'node:net';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { defined } from '../../defined.js';
import { ExecutorError } from '../../errors.js';
import type { SshTarget } from '../../targets.js';
import { fingerprintSha256, normalizeFingerprint } from './host-key.js';

/** Credentials resolved from the target's config (key files read once, at construction). */
export interface SshCredentials {
  readonly privateKey?: Buffer | string;
  readonly passphrase?: string;
  readonly agent?: string;
}

type ConnectionState = 'connecting' | 'ready' | 'closed';

/** One SSH connection of the pool and the sessions (channels) it carries. */
export interface PooledConnection {
  readonly id: number;
  state: ConnectionState;
  /** Why it closed, when it did not close because we asked it to. */
  lostReason: string | undefined;
}

interface Connection extends PooledConnection {
  readonly client: Client;
  readonly ready: Promise<void>;
  /** Sessions open or reserved on this connection. */
  sessions: number;
  /** Sessions the server lets this connection have; lowered if it refuses one. */
  limit: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/** At most this many connections are being set up at once (OpenSSH `MaxStartups` is 10). */
const MAX_CONNECTING = 3;
/** Consecutive refused channel opens, with nothing else open, before giving up. */
const MAX_OPEN_REFUSALS = 3;

function isOpenRefusal(error: unknown): boolean {
  return error instanceof Error && /open failed|Channel open failure/i.test(error.message);
}

/**
 * The connections to one SSH target. Executions share connections, up to `maxSessions` channels
 * each (OpenSSH's `MaxSessions`); when every connection is full a new one is opened, up to
 * `maxConnections`, and past that executions wait for a free session rather than fail. A
 * connection that drops is forgotten and the next execution opens a new one.
 */
export class SshPool {
  private readonly connections = new Set<Connection>();
  private waiters: (() => void)[] = [];
  private nextId = 1;
  private closed = false;
  private readonly pins: ReadonlySet<string>;

  constructor(
    private readonly target: SshTarget,
    private readonly credentials: SshCredentials,
  ) {
    const pins =
      typeof target.hostKeySha256 === 'string' ? [target.hostKeySha256] : target.hostKeySha256;
    this.pins = new Set(pins.map(normalizeFingerprint));
  }

  /** Connections currently open or opening (for tests and metrics). */
  get size(): number {
    return this.connections.size;
  }

  /**
   * Opens an exec channel running `command`, waiting for a free session if every connection is
   * full. Rejects with an ExecutorError: connect_failed, auth_failed, host_key_mismatch,
   * channel_failed, or the abort reason.
   */
  async exec(
    command: string,
    signal: AbortSignal,
  ): Promise<{ channel: ClientChannel; connection: PooledConnection; requestedAt: number }> {
    let refusals = 0;
    let reconnects = 0;
    for (;;) {
      signal.throwIfAborted();
      if (this.closed) throw new ExecutorError('connect_failed', 'The executor is shutting down.');
      const connection = this.reserve();
      if (connection === undefined) {
        await this.waitForCapacity(signal);
        continue;
      }
      try {
        await abortable(connection.ready, signal);
        // A fast program can end before the reply that the channel opened reaches us: time it
        // from the request.
        const requestedAt = performance.now();
        const channel = await openChannel(connection.client, command);
        channel.once('close', () => this.release(connection));
        return { channel, connection, requestedAt };
      } catch (error) {
        this.release(connection);
        if (isOpenRefusal(error) && connection.state === 'ready') {
          // The server allows fewer sessions than configured: learn its limit, then wait for one.
          connection.limit = Math.max(1, connection.sessions);
          refusals = connection.sessions === 0 ? refusals + 1 : 0;
          if (refusals >= MAX_OPEN_REFUSALS) {
            throw new ExecutorError(
              'channel_failed',
              `Target ${this.target.id} refused to open a session: ${(error as Error).message}`,
              { cause: error },
            );
          }
          continue;
        }
        if (error instanceof NotSentError && reconnects < 3) {
          // The connection dropped before anything was sent: a fresh one cannot run it twice.
          // Once the request may have left, a failure is reported instead of retried.
          reconnects += 1;
          continue;
        }
        if (error instanceof ExecutorError || signal.aborted) throw error;
        throw new ExecutorError(
          'channel_failed',
          `Could not start a session on target ${this.target.id}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  }

  /** Ends every connection; channels on them close. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections];
    await Promise.all(
      all.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.state === 'closed') {
              resolve();
              return;
            }
            c.client.once('close', () => resolve());
            c.client.end();
          }),
      ),
    );
    this.wakeAll();
  }

  private reserve(): Connection | undefined {
    let connecting = 0;
    let candidate: Connection | undefined;
    for (const c of this.connections) {
      if (c.state === 'connecting') connecting += 1;
      if (c.state === 'closed' || c.sessions >= c.limit) continue;
      // Prefer a ready connection, and among those the busiest, so idle ones can be closed.
      if (
        candidate === undefined ||
        (c.state === 'ready' && candidate.state !== 'ready') ||
        (c.state === candidate.state && c.sessions > candidate.sessions)
      ) {
        candidate = c;
      }
    }
    if (
      candidate === undefined &&
      this.connections.size < this.target.maxConnections &&
      connecting < MAX_CONNECTING
    ) {
      candidate = this.connect();
    }
    if (candidate !== undefined) {
      candidate.sessions += 1;
      clearTimeout(candidate.idleTimer);
      candidate.idleTimer = undefined;
    }
    return candidate;
  }

  private release(connection: Connection): void {
    connection.sessions -= 1;
    if (
      connection.sessions === 0 &&
      connection.state === 'ready' &&
      this.target.idleTimeoutMs > 0
    ) {
      connection.idleTimer = setTimeout(() => {
        // Retired at once so that no execution picks it while it is closing.
        connection.state = 'closed';
        this.connections.delete(connection);
        connection.client.end();
      }, this.target.idleTimeoutMs);
      connection.idleTimer.unref();
    }
    this.wakeAll();
  }

  private waitForCapacity(signal: AbortSignal): Promise<void> {
    return abortable(
      new Promise<void>((resolve) => {
        this.waiters.push(resolve);
      }),
      signal,
    );
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private connect(): Connection {
    const { target } = this;
    const client = new Client();
    let offered: string | undefined;
    let resolveReady: () => void = () => undefined;
    let rejectReady: (error: ExecutorError) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // Waiters that reserved a session on this connection handle the rejection; this one only
    // keeps an unwatched failure from becoming an unhandled rejection.
    ready.catch(() => undefined);

    const connection: Connection = {
      id: this.nextId++,
      client,
      ready,
      state: 'connecting',
      lostReason: undefined,
      sessions: 0,
      limit: target.maxSessions,
      idleTimer: undefined,
    };
    this.connections.add(connection);

    client.once('ready', () => {
      connection.state = 'ready';
      resolveReady();
      this.wakeAll();
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (connection.state === 'connecting') {
        rejectReady(this.describeConnectError(error, offered));
      } else {
        connection.lostReason = error.message;
      }
    });
    client.once('close', () => {
      const wasConnecting = connection.state === 'connecting';
      connection.state = 'closed';
      clearTimeout(connection.idleTimer);
      this.connections.delete(connection);
      if (wasConnecting) {
        rejectReady(
          new ExecutorError(
            'connect_failed',
            `The connection to target ${target.id} (${target.host}:${target.port}) closed during setup.`,
          ),
        );
      }
      this.wakeAll();
    });

    const config: ConnectConfig = {
      // Nagle's algorithm adds ~40 ms to every small exchange; each execution has several.
      sock: net.connect({ host: target.host, port: target.port, noDelay: true }),
      username: target.username,
      keepaliveInterval: target.keepaliveIntervalMs,
      keepaliveCountMax: target.keepaliveCountMax,
      readyTimeout: target.readyTimeoutMs,
      hostVerifier: (key: Buffer) => {
        offered = fingerprintSha256(key);
        return this.pins.has(offered);
      },
      ...defined(this.credentials),
    };
    try {
      client.connect(config);
    } catch (error) {
      config.sock?.destroy();
      // ssh2 throws synchronously for a key it cannot parse (wrong passphrase, bad format).
      rejectReady(
        new ExecutorError(
          'auth_failed',
          `Cannot use the private key of target ${target.id}: ${(error as Error).message}`,
          { cause: error },
        ),
      );
      connection.state = 'closed';
      this.connections.delete(connection);
    }
    return connection;
  }

  private describeConnectError(
    error: Error & { level?: string },
    offered: string | undefined,
  ): ExecutorError {
    const { target } = this;
    const where = `target ${target.id} (${target.host}:${target.port})`;
    if (/verification failed/i.test(error.message)) {
      return new ExecutorError(
        'host_key_mismatch',
        `The host key of ${where} is ${offered ?? 'unknown'}, which does not match the pinned ` +
          `hostKeySha256 (${[...this.pins].join(', ')}). If the server's key was changed on ` +
          'purpose, update the pin; otherwise someone may be intercepting the connection.',
        { cause: error },
      );
    }
    if (
      error.level === 'client-authentication' ||
      /authentication methods failed/i.test(error.message)
    ) {
      return new ExecutorError(
        'auth_failed',
        `Authentication to ${where} as ${target.username} failed: the server refused the key.`,
        { cause: error },
      );
    }
    return new ExecutorError('connect_failed', `Could not connect to ${where}: ${error.message}`, {
      cause: error,
    });
  }
}

/** The exec request never left: ssh2 refused it synchronously (the socket was not writable). */
class NotSentError extends Error {
  override readonly name = 'NotSentError';
}

function openChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel)));
    } catch (error) {
      reject(new NotSentError((error as Error).message, { cause: error }));
    }
  });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
