import { createHash, randomUUID } from 'node:crypto';
import {
  type CommandPolicy,
  type ExecEvent,
  type Executor,
  type OutputStreamName,
  type PathOperand,
} from '@ogent/executor';
import { TRPCError } from '@trpc/server';
import type { AuthUser } from '../auth/service.js';
import type { LimitsConfig } from '../config.js';
import { type AuditRefusal, DuplicateIdempotencyKeyError, commandNotPermitted } from '../errors.js';
import type { Logger } from '../logger.js';
import { LiveExecution } from './live.js';
import { endMessage, endMessageFromRecord, toMessages } from './messages.js';
import { OutputWriter } from './writer.js';
import type {
  ExecutionMessage,
  ExecutionQuery,
  ExecutionRecord,
  ExecutionStore,
  OutputChunk,
} from './types.js';

export interface ExecuteRequest {
  readonly target: string;
  readonly command: string;
  readonly idempotencyKey?: string;
  readonly source: ExecutionRecord['source'];
}

/**
 * The input as recorded: exactly what was typed, except that lone surrogates (which no storage
 * encoding can hold) become U+FFFD, and that input over AUDITED_INPUT_LENGTH (refused anyway)
 * is kept as its beginning, its length and its SHA-256, so refusals cannot fill the disk.
 */
function auditedInput(command: string): string {
  const wellFormed = command.toWellFormed();
  if (wellFormed.length <= AUDITED_INPUT_LENGTH) return wellFormed;
  const keep = AUDITED_INPUT_LENGTH;
  const digest = createHash('sha256').update(wellFormed).digest('hex');
  return `${wellFormed.slice(0, keep)}\u2026 [${wellFormed.length} characters in all, sha256 ${digest}]`;
}

/** Longest input recorded as is: the HTTP body limit, so the HTTP contract never truncates. */
const AUDITED_INPUT_LENGTH = 64 * 1024;

/** Waits until the client can take more (WebSocket backpressure). */
export type ReadyFn = () => Promise<void>;

const noWait: ReadyFn = () => Promise.resolve();

/** Output read per step by a watcher: split into messages, each awaited before the next. */
const READ_BATCH_BYTES = 1024 * 1024;

/**
 * Runs executions and keeps their record: checks the policy, records every attempt, runs allowed
 * commands through the executor, numbers and stores their output, and lets any number of
 * watchers follow an execution from any point. An execution runs whether anybody watches or not;
 * watching never starts anything.
 */
export class ExecutionManager {
  private readonly live = new Map<string, LiveExecution>();
  private readonly runningByUser = new Map<string, number>();
  private readonly loops = new Set<Promise<void>>();
  private readonly writer: OutputWriter;
  private closing = false;

  constructor(
    private readonly executor: Executor,
    private readonly policy: CommandPolicy,
    private readonly store: ExecutionStore,
    private readonly limits: LimitsConfig,
    private readonly logger: Logger,
  ) {
    this.writer = new OutputWriter(store, logger, (chunks) => {
      const highest = new Map<string, number>();
      for (const c of chunks)
        highest.set(c.executionId, Math.max(highest.get(c.executionId) ?? 0, c.seq));
      for (const [id, seq] of highest) this.live.get(id)?.markFlushed(seq);
    });
  }

  /** Executions running now (all users). */
  get runningCount(): number {
    return this.live.size;
  }

  /**
   * Decides on a command and, if allowed, starts it and returns at once. Every attempt is
   * recorded. Throws FORBIDDEN (policy), NOT_FOUND (unknown target) or TOO_MANY_REQUESTS (the
   * user's concurrency limit), each after recording the refusal.
   */
  async execute(user: AuthUser, request: ExecuteRequest): Promise<{ executionId: string }> {
    if (this.closing) {
      throw new TRPCError({
        code: 'SERVICE_UNAVAILABLE',
        message: 'The server is shutting down; try again in a moment.',
      });
    }
    const input = auditedInput(request.command);
    if (request.idempotencyKey !== undefined) {
      const earlier = await this.store.findByIdempotencyKey(user.username, request.idempotencyKey);
      if (earlier !== undefined) {
        if (earlier.target !== request.target || earlier.input !== input) {
          throw new TRPCError({
            code: 'CONFLICT',
            message: 'This idempotency key was already used for a different command or target.',
          });
        }
        return this.replayAttempt(earlier);
      }
    }

    const id = randomUUID();
    const base = {
      id,
      username: user.username,
      target: request.target,
      input,
      idempotencyKey: request.idempotencyKey ?? null,
      source: request.source,
      createdAt: Date.now(),
    };

    if (this.executor.target(request.target) === undefined) {
      await this.recordRefusal(base, {
        code: 'unknown_target',
        rule: 'targets',
        reason: `Unknown target ${request.target}.`,
      });
      throw new TRPCError({ code: 'NOT_FOUND', message: `Unknown target ${request.target}.` });
    }
    const decision = this.policy.check(request.command, {
      roles: user.roles,
      target: request.target,
    });
    if (!decision.allowed) {
      await this.recordRefusal(base, decision);
      throw commandNotPermitted(decision, id);
    }
    const running = this.runningByUser.get(user.username) ?? 0;
    if (running >= this.limits.maxConcurrentPerUser) {
      const message =
        `You already have ${running} commands running (limit ${this.limits.maxConcurrentPerUser}). ` +
        'Wait for one to finish or cancel it.';
      // Not recorded under the idempotency key: a retry with the same key must be able to run.
      await this.recordRefusal(
        { ...base, idempotencyKey: null },
        {
          code: 'too_many_running',
          rule: 'limits.maxConcurrentPerUser',
          reason: message,
        },
      );
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message });
    }

    const live = new LiveExecution(id, user, request.target);
    this.live.set(id, live);
    this.runningByUser.set(user.username, running + 1);
    try {
      await this.store.insert({
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
        finishedAt: null,
        durationMs: null,
        outputBytes: 0,
        lastSeq: 0,
        truncated: false,
      });
    } catch (error) {
      this.live.delete(id);
      this.release(user.username);
      if (error instanceof DuplicateIdempotencyKeyError && request.idempotencyKey !== undefined) {
        // A concurrent request with the same key won the race: answer with its execution.
        const earlier = await this.store.findByIdempotencyKey(
          user.username,
          request.idempotencyKey,
        );
        if (earlier !== undefined) return this.replayAttempt(earlier);
      }
      throw error;
    }

    const loop = this.run(live, decision.argv, decision.paths).finally(() =>
      this.loops.delete(loop),
    );
    this.loops.add(loop);
    return { executionId: id };
  }

  /** An execution the user may see; NOT_FOUND for one that does not exist or is not theirs. */
  async byId(user: AuthUser, id: string): Promise<ExecutionRecord> {
    const record = await this.store.get(id);
    if (record === undefined || !(user.viewAll || record.username === user.username)) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `No execution ${id}.` });
    }
    const live = this.live.get(id);
    return live === undefined
      ? record
      : { ...record, outputBytes: live.outputBytes, lastSeq: live.lastSeq };
  }

  list(
    user: AuthUser,
    query: Omit<ExecutionQuery, 'username'> & { username?: string },
  ): Promise<{ items: ExecutionRecord[]; nextCursor: string | null }> {
    const username = user.viewAll ? query.username : user.username;
    return this.store.list({ ...query, ...(username === undefined ? {} : { username }) });
  }

  /**
   * Stops a running execution (TERM to its process group, KILL after the grace period). Returns
   * whether it was running. NOT_FOUND unless it is the user's own or their role may cancel all.
   */
  async cancel(
    user: AuthUser,
    id: string,
  ): Promise<{ cancelled: boolean; status: ExecutionRecord['status'] }> {
    const record = await this.store.get(id);
    const mayCancel = record !== undefined && (record.username === user.username || user.cancelAll);
    const mayKnow = record !== undefined && (mayCancel || user.viewAll);
    if (!mayKnow) throw new TRPCError({ code: 'NOT_FOUND', message: `No execution ${id}.` });
    if (!mayCancel) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: 'Your role may not cancel other users\u2019 executions.',
      });
    }
    const live = this.live.get(id);
    if (live === undefined || live.end !== undefined)
      return { cancelled: false, status: record.status };
    this.logger.info({ executionId: id, by: user.username }, 'cancel requested');
    live.controller.abort();
    return { cancelled: true, status: 'running' };
  }

  /**
   * Output messages after `afterSeq`, then the end message: from memory while the execution runs
   * and the watcher keeps up, from the store otherwise. Yields nothing once the watcher has seen
   * the end. `ready` is awaited before each message, so a slow client slows only its own reads.
   */
  async *watch(
    user: AuthUser,
    id: string,
    afterSeq: number,
    signal: AbortSignal,
    ready: ReadyFn = noWait,
  ): AsyncGenerator<ExecutionMessage, void, undefined> {
    const record = await this.byId(user, id);
    let next = afterSeq + 1;
    const live = this.live.get(id);
    if (live !== undefined) {
      while (!signal.aborted) {
        if (next <= live.lastSeq) {
          const chunks =
            live.chunksFrom(next, READ_BATCH_BYTES) ??
            (await this.store.readOutput(id, next, READ_BATCH_BYTES));
          if (chunks.length === 0) {
            // Lost from the store (a failed write): skip ahead rather than spin.
            next = live.lastSeq + 1;
            continue;
          }
          next = yield* this.send(chunks, ready, signal, next);
          continue;
        }
        if (live.end !== undefined) {
          if (afterSeq < live.end.seq) {
            await ready();
            yield live.end;
          }
          return;
        }
        await live.wait(signal);
      }
      return;
    }

    const finished = record.status === 'running' ? ((await this.store.get(id)) ?? record) : record;
    while (!signal.aborted && next <= finished.lastSeq) {
      const chunks = await this.store.readOutput(id, next, READ_BATCH_BYTES);
      if (chunks.length === 0) break;
      next = yield* this.send(chunks, ready, signal, next);
    }
    const end = endMessageFromRecord(finished);
    if (!signal.aborted && afterSeq < end.seq) {
      await ready();
      yield end;
    }
  }

  /** Stops every running execution and records them as interrupted. */
  /**
   * Refuses new executions, stops every running one and records them as interrupted. Loops that
   * were starting while this ran are waited for too.
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    while (this.loops.size > 0) {
      for (const live of this.live.values()) {
        live.interruptedByShutdown = true;
        live.controller.abort();
      }
      await Promise.allSettled([...this.loops]);
    }
    await this.writer.flush();
  }

  private async *send(
    chunks: readonly OutputChunk[],
    ready: ReadyFn,
    signal: AbortSignal,
    next: number,
  ): AsyncGenerator<ExecutionMessage, number, undefined> {
    let after = next;
    for (const message of toMessages(chunks.filter((c) => c.seq >= next))) {
      await ready();
      if (signal.aborted) return after;
      yield message;
      after = message.seq + 1;
    }
    return after;
  }

  private async run(
    live: LiveExecution,
    argv: readonly string[],
    paths: readonly PathOperand[],
  ): Promise<void> {
    const add = (stream: OutputStreamName, data: Buffer): void => {
      if (data.length === 0) return;
      const chunk = { seq: live.lastSeq + 1, stream, data };
      live.append(chunk);
      this.writer.add({ executionId: live.id, ...chunk });
    };

    let exit: Extract<ExecEvent, { type: 'exit' }> | undefined;
    try {
      const events = this.executor.execute(live.target, argv, {
        signal: live.controller.signal,
        timeoutMs: this.limits.timeoutMs,
        maxOutputBytes: this.limits.maxOutputBytes,
        paths,
      });
      for await (const event of events) {
        if (event.type === 'exit') {
          exit = event;
          break;
        }
        add(event.stream, event.data);
        // Checked first so that the common case costs no promise per chunk.
        if (!this.writer.hasRoom) await this.writer.waitForRoom();
      }
    } catch (error) {
      this.logger.error({ err: error, executionId: live.id }, 'execution loop failed');
    }

    const status = live.interruptedByShutdown ? 'interrupted' : (exit?.status ?? 'failed');
    const outcome = {
      status,
      exitCode: exit?.exitCode ?? null,
      signal: exit?.signal ?? null,
      error:
        exit?.error?.message ?? (exit === undefined ? 'The execution failed unexpectedly.' : null),
      finishedAt: Date.now(),
      durationMs: exit?.durationMs ?? 0,
      outputBytes: live.outputBytes,
      lastSeq: live.lastSeq,
      truncated: exit?.truncated ?? false,
    } as const;
    try {
      await this.writer.flush();
      await this.store.finish(live.id, outcome);
    } catch (error) {
      this.logger.error(
        { err: error, executionId: live.id },
        'failed to record the end of an execution',
      );
    }
    this.logger.info(
      {
        executionId: live.id,
        user: live.owner.username,
        target: live.target,
        status,
        exitCode: outcome.exitCode,
        durationMs: outcome.durationMs,
        outputBytes: outcome.outputBytes,
      },
      'execution finished',
    );
    live.finish(endMessage(outcome));
    this.live.delete(live.id);
    this.release(live.owner.username);
  }

  private release(username: string): void {
    const running = (this.runningByUser.get(username) ?? 1) - 1;
    if (running <= 0) this.runningByUser.delete(username);
    else this.runningByUser.set(username, running);
  }

  private async recordRefusal(
    base: Pick<
      ExecutionRecord,
      'id' | 'username' | 'target' | 'input' | 'idempotencyKey' | 'source' | 'createdAt'
    >,
    refusal: AuditRefusal,
  ): Promise<void> {
    this.logger.info(
      {
        executionId: base.id,
        user: base.username,
        target: base.target,
        code: refusal.code,
        rule: refusal.rule,
      },
      'command refused',
    );
    try {
      await this.store.insert({
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
        finishedAt: base.createdAt,
        durationMs: 0,
        outputBytes: 0,
        lastSeq: 0,
        truncated: false,
      });
    } catch (error) {
      if (!(error instanceof DuplicateIdempotencyKeyError)) throw error;
    }
  }

  /** A retried request with a key already used: the same answer, nothing run again. */
  private replayAttempt(earlier: ExecutionRecord): { executionId: string } {
    if (earlier.decision === 'refused') {
      if (earlier.refusalCode === 'unknown_target') {
        throw new TRPCError({ code: 'NOT_FOUND', message: earlier.reason ?? 'Unknown target.' });
      }
      throw commandNotPermitted(
        {
          code: earlier.refusalCode ?? 'unknown',
          rule: earlier.rule,
          reason: earlier.reason ?? '',
        },
        earlier.id,
      );
    }
    return { executionId: earlier.id };
  }
}
