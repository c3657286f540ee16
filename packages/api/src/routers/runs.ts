import { defined } from '@ogent/executor';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { toTRPCError } from '../adapters/trpc-errors.js';
import { protectedProcedure, router } from '../trpc.js';
import { MAX_COMMAND_LENGTH } from './exec.js';
import { holdSubscription, parseLastEventId } from './subscriptions.js';

const runId = z.string().uuid('not a run id');

const targetsInput = {
  /** Target ids. */
  targets: z.array(z.string().min(1).max(64)).max(100_000).optional(),
  /** `role=web,env!=prod`, `*` for every target; see the README. */
  selector: z.string().min(1).max(1024).optional(),
};

const batchSize = z.union([
  z.number().int().min(1),
  z
    .string()
    .regex(
      /^(100|[1-9]\d?)(\.\d+)?%$/,
      'a batch size is a number of hosts or a percentage like "10%"',
    )
    .transform((s) => s as `${number}%`),
]);

/** How a run proceeds; each field has a default from the config's `runs` section. */
export const runOptionsInput = {
  /** Hosts running at once (default `runs.defaultConcurrency`). */
  concurrency: z.number().int().min(1).optional(),
  /** Rolling batches, e.g. `[1, "10%", "100%"]`: each starts when the one before has ended. */
  batches: z.array(batchSize).max(100).optional(),
  /** Wall-clock limit per host, in milliseconds. */
  hostTimeoutMs: z.number().int().min(100).optional(),
  /** Stop after this many failed hosts. */
  maxFailures: z.number().int().min(1).optional(),
  /** Stop once this share of all hosts has failed (percent). */
  maxFailurePercent: z.number().min(0).max(100).optional(),
  /** On a stop: let running hosts finish (default) or cancel them. */
  onFailure: z.enum(['finish', 'cancel']).optional(),
};

export const runsRouter = router({
  /**
   * The targets a run would reach and, per target, whether the caller's roles allow the command
   * there (or any command, without one) and why not. Changes nothing.
   */
  preview: protectedProcedure
    .input(z.object({ ...targetsInput, command: z.string().max(MAX_COMMAND_LENGTH).optional() }))
    .query(({ ctx, input }) => {
      const targets = ctx.services.runs.preview(ctx.user, defined(input));
      return {
        targets,
        matched: targets.length,
        allowed: targets.filter((t) => t.allowed).length,
      };
    }),

  /**
   * Starts a run: the command on every target named, each host checked by the policy and run as
   * its own execution. Returns at once; follow it with `onProgress`.
   */
  start: protectedProcedure
    .input(
      z.object({
        command: z.string().max(MAX_COMMAND_LENGTH),
        /** Extra arguments, each passed as one literal word (quoted for you), as `exec.execute`. */
        params: z.array(z.string().max(4096)).max(64).optional(),
        ...targetsInput,
        ...runOptionsInput,
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.services.runs.start(ctx.user, { ...defined(input), source: ctx.source }),
    ),

  /**
   * The run's progress: the hosts changed since `lastEventId` (every host at first), each in its
   * latest state with the summary, batched; then one `end` event. Resumes exactly after
   * `lastEventId` (sent by the client on reconnect).
   */
  onProgress: protectedProcedure
    .input(z.object({ runId, lastEventId: z.string().nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      const after = parseLastEventId(input.lastEventId);
      const release = holdSubscription(ctx.transport.subscriptions);
      try {
        const abort = signal ?? new AbortController().signal;
        for await (const event of ctx.services.runs.watch(ctx.user, input.runId, after, abort)) {
          yield tracked(String(event.seq), event);
        }
      } catch (error) {
        throw toTRPCError(error);
      } finally {
        release();
      }
    }),

  /** A run with every host, the summary, and the hosts grouped by identical results. */
  byId: protectedProcedure
    .input(z.object({ runId }))
    .query(({ ctx, input }) => ctx.services.runs.byId(ctx.user, input.runId)),

  /** Runs, newest first, a page at a time (one's own, or everyone's with viewAll). */
  list: protectedProcedure
    .input(
      z.object({
        limit: z.number().int().min(1).max(200).default(50),
        cursor: z.string().max(200).nullish(),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.services.runs.list(ctx.user, {
        limit: input.limit,
        ...(input.cursor == null ? {} : { cursor: input.cursor }),
      }),
    ),

  /** Cancels a run: hosts not started are skipped, running ones cancelled. */
  cancel: protectedProcedure
    .input(z.object({ runId }))
    .mutation(({ ctx, input }) => ctx.services.runs.cancel(ctx.user, input.runId)),

  /** Runs the command again on the hosts that failed, were cancelled or were skipped. */
  retry: protectedProcedure
    .input(z.object({ runId }))
    .mutation(({ ctx, input }) => ctx.services.runs.retry(ctx.user, input.runId, ctx.source)),
});
