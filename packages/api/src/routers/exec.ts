import { defined } from '@ogent/executor';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { toTRPCError } from '../adapters/trpc-errors.js';
import { EXECUTION_STATES } from '../domain/execution.js';
import { protectedProcedure, router } from '../trpc.js';
import { holdSubscription, parseLastEventId } from './subscriptions.js';

const executionId = z.string().uuid('not an execution id');

/** Longest command accepted by `execute`, over WebSocket, HTTP batch and the REST contract alike. */
export const MAX_COMMAND_LENGTH = 1024 * 1024;

export const execRouter = router({
  /**
   * Checks the command against the policy and starts it. Returns the execution id at once; watch
   * it with `onOutput`. With an `idempotencyKey`, a retried request returns the first one's id
   * and runs nothing again.
   */
  execute: protectedProcedure
    .input(
      z.object({
        target: z.string().min(1).max(64),
        // The one limit, for every adapter: the policy refuses (and records) what is too long.
        command: z.string().max(MAX_COMMAND_LENGTH),
        /** Extra arguments, each passed as one literal word (quoted for you). */
        params: z.array(z.string().max(4096)).max(64).optional(),
        idempotencyKey: z.string().min(1).max(128).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.services.executions.execute(ctx.user, {
        target: input.target,
        command: input.command,
        source: ctx.source,
        address: ctx.clientAddress,
        ...defined({ params: input.params, idempotencyKey: input.idempotencyKey }),
      }),
    ),

  /**
   * Output of an execution as numbered events, then one `end` event. Resumes after `lastEventId`
   * (sent automatically by the client on reconnect): nothing missed, nothing twice. Watching
   * never starts or restarts anything.
   */
  onOutput: protectedProcedure
    .input(
      z.object({
        executionId,
        lastEventId: z.string().nullish(),
        /**
         * Output until this many bytes have come (the message that reaches it whole), then only
         * the end: for a caller that keeps the head of a long output and its outcome.
         */
        maxOutputBytes: z.number().int().min(1).optional(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const after = parseLastEventId(input.lastEventId);
      const release = holdSubscription(ctx.transport.subscriptions);
      try {
        const watching = ctx.services.executions.watch(ctx.user, input.executionId, {
          after,
          signal: signal ?? new AbortController().signal,
          // The transport's: over WebSocket, backpressure from the socket and merged output
          // kept in pieces for the wire encoder.
          sink: ctx.transport.sink,
          maxOutputBytes: input.maxOutputBytes,
        });
        for await (const message of watching) {
          yield tracked(String(message.seq), message);
        }
      } catch (error) {
        throw toTRPCError(error);
      } finally {
        // Also runs when the client stops the subscription or the socket closes.
        release();
      }
    }),

  /** Stops a running execution: TERM to its process group on the target, then KILL. */
  cancel: protectedProcedure
    .input(z.object({ executionId }))
    .mutation(({ ctx, input }) => ctx.services.executions.cancel(ctx.user, input.executionId)),

  /** One execution's record (the user's own, or anyone's for roles with viewAll). */
  byId: protectedProcedure
    .input(z.object({ executionId }))
    .query(({ ctx, input }) => ctx.services.executions.byId(ctx.user, input.executionId)),

  /** How much of each output a text search sees: `{ outputBytes }` (0: commands only). */
  searchScope: protectedProcedure.query(({ ctx }) => ctx.services.executions.searchScope()),

  /** Executions, newest first, a page at a time. Refused attempts included. */
  list: protectedProcedure
    .input(
      z.object({
        limit: z.number().int().min(1).max(200).default(50),
        cursor: z.string().max(200).nullish(),
        status: z.enum(EXECUTION_STATES).optional(),
        target: z.string().max(64).optional(),
        username: z.string().max(64).optional(),
        search: z.string().max(256).optional(),
        /**
         * In the command or in the first `search.outputBytes` of the output (every word, through
         * the full-text index); each item then has a `snippet` of the output around the match.
         */
        text: z.string().max(256).optional(),
        /** Only this fleet run's hosts. */
        runId: z.string().uuid('not a run id').optional(),
        /** Leave fleet runs' hosts out. */
        excludeRuns: z.boolean().optional(),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.services.executions.list(ctx.user, {
        limit: input.limit,
        ...(input.cursor == null ? {} : { cursor: input.cursor }),
        ...defined({
          status: input.status,
          target: input.target,
          username: input.username,
          runId: input.runId,
          excludeRuns: input.excludeRuns,
        }),
        ...(input.search === undefined || input.search === '' ? {} : { search: input.search }),
        ...(input.text === undefined || input.text.trim() === ''
          ? {}
          : { text: input.text.trim() }),
      }),
    ),
});
