import type { Server } from 'node:http';

/** Hosts that mean "this machine" to a browser on it: the wildcards are reached as loopback. */
const LOCAL_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost', '0.0.0.0', '[::]']);

/** What decides which browser pages may open the WebSocket. */
export interface OriginRule {
  /** The configured listening host; with the actual port it gives the own origins. */
  readonly host: string;
  /** The URL people open; when set, its origin is the only own origin. */
  readonly publicUrl: string | undefined;
  /** Further allowed origins. */
  readonly allowed: readonly string[];
}

/**
 * The server's own browser origins: `publicUrl`'s origin when set, else `http://host:port`, plus
 * the loopback names when the host is a loopback or wildcard address (a browser on the machine
 * reaches `0.0.0.0` as `localhost`). Never derived from a request: the `Host` header is whatever
 * the page's DNS name was, and a DNS-rebinding page chooses that.
 */
export function ownOrigins(options: {
  host: string;
  port: number;
  publicUrl?: string | undefined;
}): string[] {
  if (options.publicUrl !== undefined) return [new URL(options.publicUrl).origin];
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const configured = new URL(`http://${host}:${options.port}`);
  const origins = [configured.origin];
  if (LOCAL_HOSTS.has(configured.hostname)) {
    for (const name of ['localhost', '127.0.0.1', '[::1]']) {
      origins.push(new URL(`http://${name}:${options.port}`).origin);
    }
  }
  return [...new Set(origins)];
}

/**
 * Whether a browser page of `origin` may connect: one of the own origins or an allowed one. The
 * own origins need the port actually bound (port 0 picks one), so they are worked out at the
 * first check, once the server listens.
 */
export function originChecker(server: Server, rule: OriginRule): (origin: string) => boolean {
  let allowedOrigins: ReadonlySet<string> | undefined;
  return (origin) => {
    if (allowedOrigins === undefined) {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      allowedOrigins = new Set([
        ...ownOrigins({ ...rule, port }),
        ...rule.allowed.map((allowed) => new URL(allowed).origin),
      ]);
    }
    try {
      return allowedOrigins.has(new URL(origin).origin);
    } catch {
      // Includes the opaque origin `null` (sandboxed frames, file: pages).
      return false;
    }
  };
}
