export { appRouter, type AppRouter } from './routers/root.js';
export { createCallerFactory } from './trpc.js';
export { bearerToken, createContext, type Context, type Services } from './context.js';
export { AuthService, LoginRefusedError, type AuthUser, type UserAccount } from './auth/service.js';
export { hashPassword, isPasswordHash, verifyPassword } from './auth/passwords.js';
export {
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  TokenError,
  TokenService,
  generateSigningKey,
  type ExternalIssuer,
  type SigningKey,
  type VerifiedToken,
} from './auth/tokens.js';
export { TargetCatalog, type CommandHint, type TargetView } from './catalog.js';
export {
  appRoleSchema,
  authConfigSchema,
  durationMs,
  limitsConfigSchema,
  userSchema,
  usernameSchema,
  type AppRole,
  type AuthConfig,
  type LimitsConfig,
  type UserConfig,
} from './config.js';
export {
  CommandRefusedError,
  DuplicateIdempotencyKeyError,
  commandNotPermitted,
  refusalDetails,
  type AuditRefusal,
  type RefusalDetails,
} from './errors.js';
export { ExecutionManager, type ExecuteRequest, type ReadyFn } from './executions/manager.js';
export {
  EXECUTION_STATES,
  type EndMessage,
  type ExecutionMessage,
  type ExecutionOutcome,
  type ExecutionQuery,
  type ExecutionRecord,
  type ExecutionState,
  type ExecutionStore,
  type OutputChunk,
  type OutputMessage,
  type StoredChunk,
} from './executions/types.js';
export { silentLogger, type Logger } from './logger.js';
