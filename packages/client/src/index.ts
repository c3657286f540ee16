export {
  createOgentClient,
  type OgentClient,
  type OgentClientOptions,
  type WebSocketClass,
} from './client.js';
export {
  EXECUTION_STATES,
  FINAL_HOST_STATUSES,
  HOST_STATUSES,
  NO_VALID_TOKEN_CLOSE_CODE,
  ROLES_CHANGED_CLOSE_CODE,
  RUN_STATUSES,
  SESSION_ENDED_CLOSE_CODE,
  TOKEN_EXPIRED_CLOSE_CODE,
  TOKEN_REJECTED_CLOSE_CODES,
  type ExecutionState,
  type HostStatus,
  type Refusal,
  type RunStatus,
} from './contract.js';
export { Execution, type FollowOptions, type OutputChunk, type RunOptions } from './execution.js';
export {
  TokenRejectedError,
  errorCode,
  isOgentApiError,
  refusalOf,
  type OgentApiError,
} from './errors.js';
export {
  Follower,
  type FollowListener,
  type FollowPhase,
  type FollowerOptions,
  type OpenStream,
  type StreamObserver,
} from './follower.js';
export { RunFollower, mergeHosts, type WatchOptions } from './run-follower.js';
export type { AppRouter } from './router.js';
export type {
  ExecutionEnd,
  ExecutionEvent,
  ExecutionRecord,
  OutputEvent,
  RouterInputs,
  RouterOutputs,
  RunEnd,
  RunHost,
  RunProgressEvent,
  RunSummary,
  RunView,
  SignedInUser,
  TargetView,
  TrackedEvent,
} from './types.js';
