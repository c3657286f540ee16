import { createHash, randomUUID } from 'node:crypto';
import {
  type Clock,
  type CommandPolicy,
  defined,
  type Executor,
  type Permitted,
  singleQuoted,
} from '@ogent/executor';
import type { AuthUser } from '../domain/user.js';
import type { LimitsConfig } from '../config.js';
import {
  type AuditRefusal,
  CommandRefusedError,
  DomainError,
  DuplicateIdempotencyKeyError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { Coordination } from '../ports/coordination.js';
import type { ExecutionRecords } from '../ports/records.js';
import type { ExecutionRecord } from '../domain/execution.js';
import { auditEntry } from '../domain/audit-chain.js';
import type { AuditTrail } from '../audit/trail.js';
import type { QuotaCheck, Quotas } from './quotas.js';

export interface ExecuteRequest {
  readonly target: string;
  readonly command: string;
  /** Extra arguments, each passed as one literal word (quoted for the policy's tokenizer). */
  readonly params?: readonly string[];
  readonly idempotencyKey?: string;
  readonly source: ExecutionRecord['source'];
  /**
   * The fleet run this is one host of. Such an execution takes none of the user's running
   * slots: the run's window bounds it.
   */
  readonly run?: RunHostRef;
  /** A shorter wall-clock limit than the config's `limits.timeoutMs`. */
  readonly timeoutMs?: number;
  /** The client's address, for the audit trail. */
  readonly address?: string;
}

/**
 * Whom an execution runs for, as admission needs it: a signed-in user, or a fleet run's
 * requester (the user who started it, with the roles recorded then).
 */
export type Principal = Pick<AuthUser, 'username' | 'roles'>;

/** A host of a fleet run: the run and the host's position in it. */
export interface RunHostRef {
  readonly id: string;
  readonly position: number;
}

/** An attempt the policy allowed, recorded as running, with one of its user's running slots. */
export interface AdmittedExecution {
  readonly id: string;
  readonly username: string;
  readonly target: string;
  readonly decision: Permitted;
  readonly run?: RunHostRef;
  readonly timeoutMs?: number;
}

/**
 * Longest input recorded as is. Longer input is far past any policy's `maxInputLength`, so it
 * is refused anyway; its record keeps a digest instead, so refusals cannot fill the disk.
 */
const AUDITED_INPUT_LENGTH = 64 * 1024;

/**
 * The input as recorded: exactly what was typed, except that lone surrogates (which no storage
 * encoding can hold) become U+FFFD, and that input over AUDITED_INPUT_LENGTH (refused anyway)
 * is kept as its beginning, its length and its SHA-256, so refusals cannot fill the disk.
 */
function auditedInput(command: string): string {
  const wellFormed = command.toWellFormed();
  if (wellFormed.length <= AUDITED_INPUT_LENGTH) return wellFormed;
  const digest = createHash('sha256').update(wellFormed).digest('hex');
  return `${wellFormed.slice(0, AUDITED_INPUT_LENGTH)}\u2026 [${wellFormed.length} characters in all, sha256 ${digest}]`;
}

/**
 * The command line the policy sees: the command, then each parameter as a literal word (for the
 * policy's tokenizer, not a shell: the executor quotes what runs). Never throws, so a NUL or other
 * control character reaches the policy, which refuses it and records the attempt.
 */
export function commandLine(request: Pick<ExecuteRequest, 'command' | 'params'>): string {
  return request.params === undefined || request.params.length === 0
    ? request.command
    : `${request.command} ${request.params.map(singleQuoted).join(' ')}`;
}

/**
 * Admission and audit: decides on an attempt and records it, allowed or refused. An allowed
 * attempt holds one of its user's running slots until the runner gives it back.
 */
export class Admission {
  constructor(
    private readonly deps: {
      readonly records: ExecutionRecords;
      readonly policy: CommandPolicy;
      readonly executor: Pick<Executor, 'target'>;
      readonly coordination: Coordination;
      readonly limits: LimitsConfig;
      readonly logger: Logger;
      readonly clock: Clock;
      /** How long the slot holds before the runner's lease takes over its renewal. */
      readonly leaseTtlMs: number;
      readonly audit?: AuditTrail;
      readonly quotas?: Quotas;
    },
  ) {}

  /**
   * Admits an attempt, or throws after recording the refusal: `command_refused` (policy),
   * `not_found` (unknown target), `rate_limited` (the user's concurrency limit). A key already
   * used answers as the first attempt did: its execution, or its refusal.
   */
  async admit(
    user: Principal,
    request: ExecuteRequest,
  ): Promise<{ admitted: AdmittedExecution } | { replayed: string }> {
    const { records, policy, executor, coordination, limits } = this.deps;
    const command = commandLine(request);
    const input = auditedInput(command);
    if (request.idempotencyKey !== undefined) {
      const earlier = await records.findByIdempotencyKey(user.username, request.idempotencyKey);
      if (earlier !== undefined) return { replayed: this.replay(earlier, request.target, input) };
    }

    const base = {
      id: randomUUID(),
      username: user.username,
      target: request.target,
      input,
      idempotencyKey: request.idempotencyKey ?? null,
      source: request.source,
      runId: request.run?.id ?? null,
      createdAt: this.deps.clock.now(),
    };

    const overOutput = await this.deps.quotas?.checkOutput(user.username);
    if (overOutput?.over === true) await this.overQuota(base, overOutput, request);

    if (executor.target(request.target) === undefined) {
      const reason = `Unknown target ${request.target}.`;
      await this.recordRefusal(base, { code: 'unknown_target', rule: 'targets', reason }, request);
      throw new DomainError('not_found', reason);
    }
    const decision = policy.check(command, { roles: user.roles, target: request.target });
    if (!decision.allowed) {
      // A fleet run's refusals are decided by its selector, not typed one by one: not counted.
      const overRefusals =
        request.run === undefined ? await this.deps.quotas?.countRefusal(user.username) : undefined;
      if (overRefusals?.over === true) await this.overQuota(base, overRefusals, request);
      await this.recordRefusal(base, decision, request);
      throw new CommandRefusedError(decision, base.id);
    }
    const slot =
      request.run === undefined
        ? await coordination.acquireSlot(
            user.username,
            limits.maxConcurrentPerUser,
            base.id,
            this.deps.leaseTtlMs,
          )
        : { acquired: true, running: 0 };
    if (!slot.acquired) {
      const message =
        `You already have ${slot.running} commands running (limit ${limits.maxConcurrentPerUser}). ` +
        'Wait for one to finish or cancel it.';
      // Not recorded under the idempotency key: a retry with the same key must be able to run.
      await this.recordRefusal(
        { ...base, idempotencyKey: null },
        { code: 'too_many_running', rule: 'limits.maxConcurrentPerUser', reason: message },
        request,
      );
      throw new DomainError('rate_limited', message);
    }

    try {
      // Audited before it is recorded and runs: an attempt that could not be audited never runs.
      await this.audit(request, base, { decision: 'allowed', rule: decision.rule }, user.username);
      await records.insert({
        ...base,
        decision: 'allowed',
        rule: decision.rule,
        refusalCode: null,
        reason: null,
        argv: decision.argv,
        status: 'running',
        exitCode: null,
        signal: null,
        error: null,
        errorCode: null,
        finishedAt: null,
        durationMs: null,
        outputBytes: 0,
        outputLines: null,
        lastSeq: 0,
        truncated: false,
        outputPrunedAt: null,
      });
    } catch (error) {
      await coordination.releaseSlot(user.username, base.id);
      if (error instanceof DuplicateIdempotencyKeyError && request.idempotencyKey !== undefined) {
        // A concurrent request with the same key won the race: answer with its execution.
        const earlier = await records.findByIdempotencyKey(user.username, request.idempotencyKey);
        if (earlier !== undefined) return { replayed: this.replay(earlier, request.target, input) };
      }
      throw error;
    }
    return {
      admitted: {
        id: base.id,
        username: user.username,
        target: request.target,
        decision,
        ...defined({ run: request.run, timeoutMs: request.timeoutMs }),
      },
    };
  }

  private async recordRefusal(
    base: Pick<
      ExecutionRecord,
      'id' | 'username' | 'target' | 'input' | 'idempotencyKey' | 'source' | 'createdAt' | 'runId'
    >,
    refusal: AuditRefusal,
    request: Pick<ExecuteRequest, 'address' | 'run'>,
  ): Promise<void> {
    this.deps.logger.info(
      {
        executionId: base.id,
        user: base.username,
        target: base.target,
        code: refusal.code,
        rule: refusal.rule,
      },
      'command refused',
    );
    await this.audit(
      request,
      base,
      {
        decision: 'refused',
        rule: refusal.rule,
        refusalCode: refusal.code,
        reason: refusal.reason,
      },
      base.username,
    );
    try {
      await this.deps.records.insert({
        ...base,
        decision: 'refused',
        rule: refusal.rule,
        refusalCode: refusal.code,
        reason: refusal.reason,
        argv: null,
        status: 'refused',
        exitCode: null,
        signal: null,
        error: null,
        errorCode: null,
        finishedAt: base.createdAt,
        durationMs: 0,
        outputBytes: 0,
        outputLines: 0,
        lastSeq: 0,
        truncated: false,
        outputPrunedAt: null,
      });
    } catch (error) {
      if (!(error instanceof DuplicateIdempotencyKeyError)) throw error;
    }
  }

  /**
   * Refuses an attempt over a quota with 429. Only the first refusal of the quota's window is
   * recorded (and audited): refusals cannot fill the disk either.
   */
  private async overQuota(
    base: Pick<
      ExecutionRecord,
      'id' | 'username' | 'target' | 'input' | 'idempotencyKey' | 'source' | 'createdAt' | 'runId'
    >,
    check: Extract<QuotaCheck, { over: true }>,
    request: Pick<ExecuteRequest, 'address' | 'run'>,
  ): Promise<never> {
    if (check.first) {
      await this.deps.audit?.record(
        auditEntry({
          type: 'quota.exceeded',
          at: base.createdAt,
          actor: base.username,
          address: request.address ?? null,
          subject: base.username,
          data: { rule: check.rule, message: check.message },
        }),
      );
      await this.recordRefusal(
        { ...base, idempotencyKey: null },
        { code: 'quota_exceeded', rule: check.rule, reason: check.message },
        request,
      );
    }
    throw new DomainError('rate_limited', check.message, {
      retryAfterSeconds: check.retryAfterSeconds,
    });
  }

  /** Records the attempt in the audit trail (when the service has one). */
  private async audit(
    request: Pick<ExecuteRequest, 'address' | 'run'>,
    base: Pick<ExecutionRecord, 'id' | 'target' | 'input' | 'createdAt'>,
    decision: Record<string, string>,
    username: string,
  ): Promise<void> {
    await this.deps.audit?.record(
      auditEntry({
        type: 'execution.attempt',
        at: base.createdAt,
        actor: username,
        address: request.address ?? null,
        subject: base.id,
        data: {
          target: base.target,
          input: base.input,
          ...decision,
          ...defined({ runId: request.run?.id }),
        },
      }),
    );
  }

  /** A retried request with a key already used: the same answer, nothing run again. */
  private replay(earlier: ExecutionRecord, target: string, input: string): string {
    if (earlier.target !== target || earlier.input !== input) {
      throw new DomainError(
        'conflict',
        'This idempotency key was already used for a different command or target.',
      );
    }
    if (earlier.decision === 'refused') {
      if (earlier.refusalCode === 'unknown_target') {
        throw new DomainError('not_found', earlier.reason ?? 'Unknown target.');
      }
      throw new CommandRefusedError(
        {
          code: earlier.refusalCode ?? 'unknown',
          rule: earlier.rule,
          reason: earlier.reason ?? '',
        },
        earlier.id,
      );
    }
    return earlier.id;
  }
}
