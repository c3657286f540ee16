/**
 * The contract's runtime constants: what a client switches on (WebSocket close codes, statuses)
 * and the refusal it is given. Dependency-free on purpose: `@ogent/client` bundles this module
 * into the published package and re-exports it, so clients and server share one copy instead of
 * literals repeated on each side.
 */

/** Close code when the account's roles changed: the client reconnects under the new ones. */
export const ROLES_CHANGED_CLOSE_CODE = 4000;
/** Close code the server uses when the token of a WebSocket has expired. */
export const TOKEN_EXPIRED_CLOSE_CODE = 4001;
/**
 * Close code when the session was signed out or ended by an administrator, or the account was
 * disabled: the token will not be accepted again.
 */
export const SESSION_ENDED_CLOSE_CODE = 4003;
/** Close code for a socket that presented no valid token in time (HTTP's 401, as 4xxx). */
export const NO_VALID_TOKEN_CLOSE_CODE = 4401;
/** The close codes after which the token in hand will not be accepted: sign in again. */
export const TOKEN_REJECTED_CLOSE_CODES: ReadonlySet<number> = new Set([
  TOKEN_EXPIRED_CLOSE_CODE,
  NO_VALID_TOKEN_CLOSE_CODE,
  SESSION_ENDED_CLOSE_CODE,
]);

/**
 * Where an execution stands. `refused`: the policy said no and nothing ran (at admission, or on
 * the target when a path argument resolved outside its prefix). `interrupted`: the server
 * stopped (or crashed) while it ran. Those between are how the executor ended it. The order is
 * the one lists and filters show.
 */
export const EXECUTION_STATES = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'truncated',
  'interrupted',
  'refused',
] as const;
/** One of {@link EXECUTION_STATES}. */
export type ExecutionState = (typeof EXECUTION_STATES)[number];

/**
 * Where one host of a run stands. `pending`: not started yet; `skipped`: never started because
 * the run stopped (failure policy or cancel) first. The rest follow the host's execution:
 * `succeeded` is exit 0; `failed` is any other end (non-zero exit, connection or host key
 * failure, timeout, output cap, server stopped); `refused` is the policy saying no (at admission
 * or, for a path, on the target); `cancelled` is a cancel. In the order a summary shows them.
 */
export const HOST_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'refused',
  'cancelled',
  'skipped',
] as const;
/** One of {@link HOST_STATUSES}. */
export type HostStatus = (typeof HOST_STATUSES)[number];

/** Statuses a host never leaves. */
export const FINAL_HOST_STATUSES: ReadonlySet<HostStatus> = new Set<HostStatus>([
  'succeeded',
  'failed',
  'refused',
  'cancelled',
  'skipped',
]);

/**
 * `running` until every host is final; then `succeeded` (every host did), `failed` (some did
 * not), `stopped` (the failure policy skipped the rest) or `cancelled`.
 */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'stopped', 'cancelled'] as const;
/** One of {@link RUN_STATUSES}. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Why the policy refused a command, as the API sends it with a `FORBIDDEN` error (in the error's
 * `data.refusal`): why, which rule, and the audit record's id.
 */
export interface Refusal {
  readonly reason: string;
  /** For programs: `unknown_command`, `shell_syntax`, `option_not_allowed`, ... */
  readonly refusalCode: string;
  /** The rule that decided (`commands.ls`, `input.syntax`, `roles.targets`, ...). */
  readonly rule: string;
  /** The refused attempt's audit record. */
  readonly executionId: string;
  /** The offending character (a code-point index in the command), or null. */
  readonly position: number | null;
  /**
   * The word the refusal is about, as typed (code points, `end` exclusive): the command name, an
   * option, its value or an operand; null when it is about the whole line.
   */
  readonly span: { readonly start: number; readonly end: number } | null;
}
