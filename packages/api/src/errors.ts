import { TRPCError } from '@trpc/server';

/**
 * Why an attempt was refused: a policy refusal from the executor, or one of the api's own
 * (`unknown_target`, `too_many_running`).
 */
export interface AuditRefusal {
  readonly code: string;
  readonly rule: string;
  readonly reason: string;
  readonly position?: number;
}

/** The policy refused a command; carried as the `cause` of a FORBIDDEN error. */
export class CommandRefusedError extends Error {
  override readonly name = 'CommandRefusedError';
  constructor(
    readonly refusal: AuditRefusal,
    readonly executionId: string,
  ) {
    super(refusal.reason);
  }
}

/** What clients get with a refusal, beyond the message: why, which rule, and the audit id. */
export interface RefusalDetails {
  readonly reason: string;
  readonly refusalCode: string;
  readonly rule: string;
  readonly executionId: string;
  readonly position: number | null;
}

export function commandNotPermitted(refusal: AuditRefusal, executionId: string): TRPCError {
  return new TRPCError({
    code: 'FORBIDDEN',
    message: 'Command not permitted',
    cause: new CommandRefusedError(refusal, executionId),
  });
}

export function refusalDetails(error: unknown): RefusalDetails | null {
  const cause = error instanceof TRPCError ? error.cause : error;
  if (!(cause instanceof CommandRefusedError)) return null;
  return {
    reason: cause.refusal.reason,
    refusalCode: cause.refusal.code,
    rule: cause.refusal.rule,
    executionId: cause.executionId,
    position: cause.refusal.position ?? null,
  };
}

/** Raised by a store when (username, idempotency key) is already taken. */
export class DuplicateIdempotencyKeyError extends Error {
  override readonly name = 'DuplicateIdempotencyKeyError';
}
