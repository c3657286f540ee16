import type { AuthService, AuthUser } from './auth/service.js';
import { TokenError } from './auth/tokens.js';
import type { TargetCatalog } from './catalog.js';
import type { ExecutionManager, ReadyFn } from './executions/manager.js';

/** What procedures use; built once by the server. */
export interface Services {
  readonly auth: AuthService;
  readonly executions: ExecutionManager;
  readonly catalog: TargetCatalog;
}

export interface Context {
  readonly services: Services;
  /** The caller, or null without a valid token. */
  readonly user: AuthUser | null;
  /** Why the token sent was refused (safe to show), or null. */
  readonly authError: string | null;
  /** For sign-in rate limiting. */
  readonly clientAddress: string;
  /** Resolves when the client can take more output (WebSocket backpressure). */
  readonly ready: ReadyFn;
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
  ready?: ReadyFn;
}): Promise<Context> {
  const base = {
    services: options.services,
    clientAddress: options.clientAddress,
    ready: options.ready ?? (() => Promise.resolve()),
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
