import type { AuthService } from './auth/service.js';
import type { AuthUser } from './domain/user.js';
import { TokenError } from './auth/tokens.js';
import type { TargetCatalog } from './catalog.js';
import type { Clock } from '@ogent/executor';
import type { ExecutionService } from './executions/service.js';
import { type OutputSink, inProcessSink } from './executions/watcher.js';
import type { RunService } from './runs/service.js';
import type { AuditAccess } from './audit/access.js';
import type { AccountAdmin } from './auth/accounts.js';
import type { StorageAccess } from './retention/access.js';

/** What procedures use; built once, by the server's composition root. */
export interface Services {
  readonly auth: AuthService;
  readonly executions: ExecutionService;
  readonly catalog: TargetCatalog;
  readonly runs: RunService;
  readonly audit: AuditAccess;
  readonly accounts: AccountAdmin;
  /** Storage figures for admins. */
  readonly storage: StorageAccess;
  /** Token expiry is checked against it at every call, and following subscriptions wait on it. */
  readonly clock: Clock;
}

/**
 * The subscriptions open on one WebSocket and how many it may hold. tRPC's ws adapter accepts any
 * number, and each one holds a watcher with its buffers (one socket opened 5,000: +110 MB); the
 * server makes one per connection and each subscription counts itself in and out
 * (`holdSubscription`).
 */
export interface SubscriptionCounter {
  open: number;
  readonly max: number;
}

/**
 * What only the transport carrying a call can provide to a subscription: how many the
 * connection may hold, and where output goes. The adapters say it explicitly; nothing infers
 * the transport from what is absent.
 */
export interface Transport {
  /**
   * The connection's subscriptions, where one connection holds many (a WebSocket); null where
   * each call is its own (an in-process caller, HTTP).
   */
  readonly subscriptions: SubscriptionCounter | null;
  /** Where a subscription's output goes: backpressure and how merged bytes are made. */
  readonly sink: OutputSink;
}

/** A call in this process (the REST contract's, tRPC's HTTP handler): no count, no waiting. */
export const inProcessTransport: Transport = { subscriptions: null, sink: inProcessSink };

export interface Context {
  readonly services: Services;
  /** The caller, or null without a valid token. */
  readonly user: AuthUser | null;
  /** Why the token sent was refused (safe to show), or null. */
  readonly authError: string | null;
  /** For sign-in rate limiting. */
  readonly clientAddress: string;
  /** What the transport provides to subscriptions. */
  readonly transport: Transport;
  /** Which interface the call came through, for the audit record. */
  readonly source: 'trpc' | 'http';
}

/**
 * Builds the context for either adapter from what it extracted: the token from the
 * `authorization` header over HTTP, or from `connectionParams.token` over WebSocket. Never
 * throws: a missing or bad token gives `user: null`, and protected procedures answer
 * UNAUTHORIZED (a throw here would close the WebSocket).
 */
export async function createContext(options: {
  services: Services;
  token: string | null;
  clientAddress: string;
  /** {@link inProcessTransport} by default. */
  transport?: Transport;
  /** `http` for the REST contract's calls through the router; `trpc` by default. */
  source?: 'trpc' | 'http';
}): Promise<Context> {
  const base = {
    services: options.services,
    source: options.source ?? ('trpc' as const),
    clientAddress: options.clientAddress,
    transport: options.transport ?? inProcessTransport,
  };
  if (options.token === null || options.token === '')
    return { ...base, user: null, authError: null };
  try {
    const user = await options.services.auth.authenticate(options.token);
    return { ...base, user, authError: null };
  } catch (error) {
    const reason = error instanceof TokenError ? error.message : 'The token could not be verified.';
    return { ...base, user: null, authError: reason };
  }
}

/** The bearer token of an `Authorization` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,16384})$/i.exec(header.trim());
  return match?.[1] ?? null;
}
