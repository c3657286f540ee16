/**
 * Why an execution could not start or did not finish normally. The api layer maps these codes to
 * its own error types; nothing in this package knows about HTTP or tRPC.
 */
export type ExecutorErrorCode =
  | 'unknown_target'
  | 'invalid_config'
  | 'invalid_argv'
  | 'connect_failed'
  | 'auth_failed'
  | 'host_key_mismatch'
  | 'connection_lost'
  | 'channel_failed'
  | 'spawn_failed'
  | 'aborted'
  /** A path argument resolved on the target to a place the policy does not allow. */
  | 'path_refused';

export class ExecutorError extends Error {
  override readonly name = 'ExecutorError';

  constructor(
    readonly code: ExecutorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isExecutorError(error: unknown): error is ExecutorError {
  return error instanceof ExecutorError;
}
