// @ogent/api's folders import one way, each only from the layers below it (`npm run lint`
// fails on a cycle between files or folders, tests included):
//
//   contract.ts, errors.ts, logger.ts, passwords.ts, config.ts   the base: no domain knowledge
//   domain/        what the ports speak: execution and run records and events, the audit
//                  chain, the caller (AuthUser); data and pure functions, no I/O
//   ports/         the interfaces every backend implements (stores, live bus, coordination)
//   search/ < audit/ < auth/ < executions/ < runs/ < retention/
//                  the domain services, each using only those to its left
//   single-node/   the in-process and in-memory implementations of the ports
//   testing/       the contract suites (`@ogent/api/testing`) and their run on single-node/
//   adapters/, catalog.ts, context.ts, trpc.ts, routers/   the tRPC adapter, on top
//
// A test sits with the lowest folder whose imports it needs; one that needs the stores of
// single-node/ or the router (a service end to end) lives in ../test, above all of src.

export { appRouter, type AppRouter } from './routers/root.js';
export { createCallerFactory, validationIssues } from './trpc.js';
export {
  bearerToken,
  createContext,
  type Context,
  type Services,
  type SubscriptionCounter,
  type Transport,
} from './context.js';
export { AuthService, LoginRefusedError, type UserAccount } from './auth/service.js';
export type { AuthUser } from './domain/user.js';
export { hashPassword, isPasswordHash, verifyPassword } from './passwords.js';
export { SessionService, type RevokeReason } from './auth/sessions.js';
export { AccountAdmin, type AccountChange, type AccountView } from './auth/accounts.js';
export type {
  AccountState,
  SessionEvent,
  SessionEvents,
  SessionRecord,
  SessionStore,
} from './ports/sessions.js';
export { InProcessSessionEvents } from './single-node/memory-sessions.js';
export {
  LoginThrottle,
  type LoginAttempt,
  type LoginThrottleOptions,
} from './auth/login-throttle.js';
export {
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  TokenError,
  TokenService,
  generateSigningKey,
  type ExternalIssuer,
  type VerifiedToken,
} from './auth/tokens.js';
export {
  TargetCatalog,
  type CommandHint,
  type OptionHint,
  type TargetView,
  type ValueHint,
} from './catalog.js';
export {
  appRoleSchema,
  authConfigSchema,
  durationMs,
  limitsConfigSchema,
  runsConfigSchema,
  retentionConfigSchema,
  quotasConfigSchema,
  userSchema,
  usernameSchema,
  type AppRole,
  type AuthConfig,
  type LimitsConfig,
  type RunsConfig,
  type RetentionConfig,
  type QuotasConfig,
  type UserConfig,
} from './config.js';
export {
  CommandRefusedError,
  DomainError,
  DuplicateIdempotencyKeyError,
  errorHeaders,
  isDomainError,
  refusalDetails,
  type AuditRefusal,
  type DomainErrorCode,
  type RefusalDetails,
} from './errors.js';
export { toTRPCError } from './adapters/trpc-errors.js';
export { MAX_COMMAND_LENGTH } from './routers/exec.js';
export { commandLine, type ExecuteRequest } from './executions/admission.js';
export { mayCancel, mayView } from './executions/access.js';
export { ExecutionService, type ExecutionServiceDeps } from './executions/service.js';
export { LEASE_TTL_MS } from './executions/runner.js';
export {
  REMOTE_POLL_MS,
  inProcessSink,
  type OutputSink,
  type WatchOptions,
} from './executions/watcher.js';
export { WRITER_DEFAULTS, type OutputWriterOptions } from './executions/writer.js';
export {
  EXECUTION_STATES,
  type ArrivalTimes,
  type EndMessage,
  type ExecutionError,
  type ExecutionListItem,
  type ExecutionMessage,
  type ExecutionOutcome,
  type ExecutionQuery,
  type ExecutionRecord,
  type ExecutionState,
  type OutputChunk,
  type OutputMessage,
  type SnippetPart,
  type StoredChunk,
} from './domain/execution.js';
export type { OutputSearchIndex } from './ports/output-search.js';
export { OutputIndexer } from './search/indexer.js';
export { DEFAULT_SEARCH_OUTPUT_BYTES, searchableText } from './search/searchable-text.js';
export { MATCH_END, MATCH_START, SNIPPET_MAX_CHARS, snippetParts } from './search/snippet.js';
export { searchWords } from './search/words.js';
export { StorageAccess, mayReadStorage, type StorageOverview } from './retention/access.js';
export type { Control } from './ports/control.js';
export type { Coordination, LimiterFactory, LimiterOptions } from './ports/coordination.js';
export type { LiveBus, LiveRead } from './ports/live-bus.js';
export type { OutputLog } from './ports/output-log.js';
export type { ExecutionRecords } from './ports/records.js';
export type { AuditStore } from './ports/audit.js';
export {
  GENESIS_HASH,
  auditEntry,
  auditHash,
  chain,
  verifyChain,
  type AuditEntry,
  type AuditEvent,
  type AuditEventType,
  type ChainCheck,
} from './domain/audit-chain.js';
export { AuditTrail } from './audit/trail.js';
export { Quotas, type QuotaCheck } from './executions/quotas.js';
export { RetentionService, type PruneReport, type StorageReport } from './retention/service.js';
export { AuditAccess, verifyAuditStore } from './audit/access.js';
export type { HostChange, RunChange, RunFeed, RunStore, RunTransaction } from './ports/runs.js';
export { InProcessRunFeed } from './single-node/run-feed.js';
export type {
  ExecutionLifecycleEvent,
  ExecutionLifecycleListener,
} from './executions/lifecycle.js';
export {
  RunService,
  GROUP_SAMPLE_BYTES,
  type RunServiceDeps,
  type StartRunRequest,
} from './runs/service.js';
export { foldHosts } from './runs/fold.js';
export { parseSelector, type Selector } from './runs/selector.js';
export {
  FINAL_HOST_STATUSES,
  HOST_STATUSES,
  RUN_STATUSES,
  type BatchSize,
  type HostStatus,
  type PreviewTarget,
  type RunGroup,
  type RunHost,
  type RunListItem,
  type RunOptions,
  type RunProgressEvent,
  type RunRecord,
  type RunStatus,
  type RunSummary,
  type RunView,
} from './domain/run.js';
export type { SigningKey, SigningKeyStore } from './ports/signing-keys.js';
export { InProcessControl } from './single-node/control.js';
export { InProcessCoordination } from './single-node/coordination.js';
export { InProcessLiveBus } from './single-node/live-bus.js';
export { silentLogger, type Logger } from './logger.js';
