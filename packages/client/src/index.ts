export {
  NO_VALID_TOKEN_CLOSE_CODE,
  SESSION_ENDED_CLOSE_CODE,
  TOKEN_EXPIRED_CLOSE_CODE,
  createOgentClient,
  type OgentClient,
  type OgentClientOptions,
  type WebSocketClass,
} from './client.js';
export { Execution, type FollowOptions, type OutputChunk, type RunOptions } from './execution.js';
export {
  TokenRejectedError,
  errorCode,
  isOgentApiError,
  refusalOf,
  type OgentApiError,
} from './errors.js';
export type { AppRouter } from './router.js';
export type {
  ExecutionEnd,
  ExecutionEvent,
  ExecutionRecord,
  ExecutionState,
  OutputEvent,
  RouterInputs,
  RouterOutputs,
  SignedInUser,
  TargetView,
} from './types.js';
