export { ExecutorError, isExecutorError, type ExecutorErrorCode } from './errors.js';
export type {
  ExecEvent,
  ExecutionStatus,
  ExitEvent,
  OutputEvent,
  OutputStreamName,
} from './events.js';
export { Executor } from './executor.js';
export { defined, type Defined } from './defined.js';
export { ManualClock, systemClock, type Clock, type TimerHandle } from './clock.js';
export { EXECUTE_DEFAULTS, runOnTransport, type ExecuteOptions } from './run.js';
export { quoteArg, quoteArgv, singleQuoted } from './quote.js';
export {
  isUnderPrefix,
  pathRefusalMessage,
  type PathOperand,
  type PathRefusalKind,
} from './path-operands.js';
export { OPERANDS_READ_AS_OPTIONS, optionArgumentSchema } from './policy/schema.js';
export type { Decision, Permitted, Refusal, RefusalCode, WordSpan } from './policy/decision.js';
export { CommandPolicy, targetMatches, type AccessContext } from './policy/policy.js';
export { DEFAULT_MAX_INPUT_LENGTH, sanitizeInput } from './policy/sanitize.js';
export {
  argsSpecSchema,
  commandNameSchema,
  commandRuleSchema,
  optionSpecSchema,
  policyConfigSchema,
  refineRoleCommands,
  roleSchema,
  valueSpecSchema,
  type ArgsSpec,
  type CommandRule,
  type OptionSpec,
  type PolicyConfig,
  type PolicyConfigInput,
  type Role,
  type ValueSpec,
} from './policy/schema.js';
export { tokenize } from './policy/tokenize.js';
export {
  localTargetSchema,
  sshTargetSchema,
  targetSchema,
  type LocalTarget,
  type SshTarget,
  type Target,
  type TargetInput,
} from './targets.js';
export {
  fingerprintOfPublicKeyLine,
  fingerprintSha256,
  normalizeFingerprint,
} from './transports/ssh/host-key.js';
export { LocalTransport } from './transports/local.js';
export { SshPool } from './transports/ssh/pool.js';
export { SshTransport, remoteCommandLine } from './transports/ssh/transport.js';
export type { ProcessExit, StartedProcess, Transport } from './transports/types.js';
