import type { Refusal } from './contract.js';

/**
 * Errors of the domain services, by what went wrong rather than by how any protocol says it.
 * Each adapter maps them once: tRPC codes in `adapters/trpc-errors.ts`, HTTP statuses through
 * those in the server's REST adapter, and the headers an error carries in {@link errorHeaders}.
 */
export type DomainErrorCode =
  /** No valid identity (no token, a bad or expired one, a wrong password). */
  | 'unauthenticated'
  /** Known, but not allowed (a role that may not cancel others' executions). */
  | 'forbidden'
  /** Refused by the policy; `refusal` says why. */
  | 'command_refused'
  | 'not_found'
  /** The same idempotency key for a different request. */
  | 'conflict'
  /** A limit: running executions per user, sign-in attempts. */
  | 'rate_limited'
  /** Shutting down, or a dependency is away. */
  | 'unavailable'
  | 'invalid_input';

export class DomainError extends Error {
  override readonly name: string = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** For `rate_limited`: when to try again. */
  readonly retryAfterSeconds: number | undefined;
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/**
 * The HTTP headers an error carries, for every adapter that answers over HTTP (the tRPC handler
 * and the REST contract): `Retry-After` for a limit (a throttled sign-in, a quota). The domain
 * error may be the error itself or the cause tRPC wrapped it in.
 */
export function errorHeaders(error: unknown): Record<string, string> {
  const domain = isDomainError(error)
    ? error
    : error instanceof Error && isDomainError(error.cause)
      ? error.cause
      : undefined;
  return domain?.retryAfterSeconds === undefined
    ? {}
    : { 'retry-after': String(domain.retryAfterSeconds) };
}

/**
 * Why an attempt was refused: a policy refusal from the executor, or one of the api's own
 * (`unknown_target`, `too_many_running`).
 */
export interface AuditRefusal {
  readonly code: string;
  readonly rule: string;
  readonly reason: string;
  readonly position?: number;
  readonly span?: { readonly start: number; readonly end: number };
}

/** What clients get with a refusal, beyond the message: the contract's shape. */
export type RefusalDetails = Refusal;

/** The policy refused a command; the attempt is recorded under `executionId`. */
export class CommandRefusedError extends DomainError {
  override readonly name = 'CommandRefusedError';

  constructor(
    readonly refusal: AuditRefusal,
    readonly executionId: string,
  ) {
    super('command_refused', 'Command not permitted');
  }

  get details(): RefusalDetails {
    return {
      reason: this.refusal.reason,
      refusalCode: this.refusal.code,
      rule: this.refusal.rule,
      executionId: this.executionId,
      position: this.refusal.position ?? null,
      span: this.refusal.span ?? null,
    };
  }
}

/** The refusal details carried by an error (or by its cause, as tRPC wraps it), if any. */
export function refusalDetails(error: unknown): RefusalDetails | null {
  const cause =
    error instanceof CommandRefusedError
      ? error
      : error instanceof Error && error.cause instanceof CommandRefusedError
        ? error.cause
        : null;
  return cause === null ? null : cause.details;
}

/** Raised by a store when (username, idempotency key) is already taken. */
export class DuplicateIdempotencyKeyError extends Error {
  override readonly name = 'DuplicateIdempotencyKeyError';
}
