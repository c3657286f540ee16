import type { AppRouter as ServerRouter } from '@ogent/api';
import {
  type AppRouter,
  type ExecutionEnd,
  type ExecutionState,
  type FollowPhase,
  type Follower,
  type HostStatus,
  type OutputChunk,
  type Refusal,
  type RouterInputs,
  type RouterOutputs,
  type RunEnd,
  type RunFollower,
  type RunHost,
  type RunStatus,
  type TrackedEvent,
  type EXECUTION_STATES,
  type HOST_STATUSES,
  type RUN_STATUSES,
  createOgentClient,
  refusalOf,
} from '@ogent/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { describe, expectTypeOf, it } from 'vitest';

// These import the package as it is built (dist/*.d.ts): the types a project outside this
// repository gets.

type OutputEvent = Extract<OnOutputEvent, { type: 'output' }>;
type EndEvent = Extract<OnOutputEvent, { type: 'end' }>;
type OnOutputEvent = TrackedEvent<RouterOutputs['exec']['onOutput']>;

describe('the published client types', () => {
  it('are the server router’s: every procedure takes and returns the same', () => {
    expectTypeOf<RouterInputs>().toEqualTypeOf<inferRouterInputs<ServerRouter>>();
    expectTypeOf<RouterOutputs>().toEqualTypeOf<inferRouterOutputs<ServerRouter>>();
  });

  it('keep output data a Uint8Array, from the router to run() and the subscription', () => {
    expectTypeOf<OutputEvent['data']>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<OutputEvent['stream']>().toEqualTypeOf<'stdout' | 'stderr'>();
    expectTypeOf<OutputChunk['data']>().toEqualTypeOf<Uint8Array>();

    const client = createOgentClient({ url: 'http://localhost:3000', token: 't' });
    client.trpc.exec.onOutput.subscribe(
      { executionId: 'x' },
      {
        onData: ({ id, data }) => {
          expectTypeOf(id).toEqualTypeOf<string>();
          if (data.type === 'output') expectTypeOf(data.data).toEqualTypeOf<Uint8Array>();
        },
      },
    );
    const execution = client.run('local', ['ls', '-la']);
    expectTypeOf(execution).toExtend<AsyncIterable<OutputChunk>>();
    expectTypeOf(execution[Symbol.asyncIterator]()).toEqualTypeOf<
      AsyncGenerator<OutputChunk, ExecutionEnd, undefined>
    >();
    expectTypeOf(execution.result()).toEqualTypeOf<Promise<ExecutionEnd>>();
    expectTypeOf(client.follow('id', { after: 3 })).toEqualTypeOf(execution);
  });

  it('end an execution with a status, an exit code and an error code clients can switch on', () => {
    expectTypeOf<ExecutionEnd>().toEqualTypeOf<EndEvent>();
    expectTypeOf<EndEvent['seq']>().toEqualTypeOf<number>();
    expectTypeOf<EndEvent['exitCode']>().toEqualTypeOf<number | null>();
    expectTypeOf<EndEvent['signal']>().toEqualTypeOf<string | null>();
    expectTypeOf<EndEvent['execTime']>().toEqualTypeOf<number | null>();
    expectTypeOf<EndEvent['error']>().toEqualTypeOf<{
      readonly code: string;
      readonly message: string;
    } | null>();
    expectTypeOf<EndEvent['status']>().toEqualTypeOf<
      'refused' | 'completed' | 'failed' | 'cancelled' | 'timed_out' | 'truncated' | 'interrupted'
    >();
  });

  it('match the README’s table of procedures', () => {
    expectTypeOf<RouterInputs['auth']['login']>().toEqualTypeOf<{
      username: string;
      password: string;
    }>();
    expectTypeOf<RouterOutputs['auth']['login']['token']>().toEqualTypeOf<string>();
    expectTypeOf<RouterOutputs['auth']['login']['expiresAt']>().toEqualTypeOf<number>();
    expectTypeOf<RouterOutputs['auth']['me']>().toExtend<{
      readonly username: string;
      readonly roles: readonly string[];
      readonly viewAll: boolean;
      readonly cancelAll: boolean;
      readonly expiresAt: number;
    }>();

    type Target = RouterOutputs['targets']['list'][number];
    expectTypeOf<Target['id']>().toEqualTypeOf<string>();
    expectTypeOf<keyof Target['commands'][number]>().toEqualTypeOf<
      | 'name'
      | 'description'
      | 'usage'
      | 'options'
      | 'optionHints'
      | 'minArgs'
      | 'maxArgs'
      | 'operandHints'
    >();
    expectTypeOf<Target['host']>().toEqualTypeOf<string | null>();

    expectTypeOf<RouterInputs['exec']['execute']>().toEqualTypeOf<{
      target: string;
      command: string;
      params?: string[] | undefined;
      idempotencyKey?: string | undefined;
    }>();
    expectTypeOf<RouterOutputs['exec']['execute']>().toEqualTypeOf<{ executionId: string }>();
    expectTypeOf<RouterInputs['exec']['onOutput']>().toEqualTypeOf<{
      executionId: string;
      lastEventId?: string | null | undefined;
      maxOutputBytes?: number | undefined;
    }>();
    expectTypeOf<RouterInputs['exec']['cancel']>().toEqualTypeOf<{ executionId: string }>();
    expectTypeOf<RouterOutputs['exec']['cancel']['cancelled']>().toEqualTypeOf<boolean>();
    expectTypeOf<RouterInputs['exec']['byId']>().toEqualTypeOf<{ executionId: string }>();
    expectTypeOf<RouterOutputs['exec']['byId']['argv']>().toEqualTypeOf<readonly string[] | null>();
    expectTypeOf<RouterOutputs['exec']['byId']['errorCode']>().toEqualTypeOf<string | null>();
    expectTypeOf<RouterInputs['exec']['list']>().toExtend<{
      limit?: number;
      cursor?: string | null;
      target?: string;
      username?: string;
      search?: string;
    }>();
    expectTypeOf<RouterOutputs['exec']['list']['nextCursor']>().toEqualTypeOf<string | null>();
  });

  it('carry a refusal in the error data of a FORBIDDEN execute', () => {
    type ErrorShape = AppRouter['_def']['_config']['$types']['errorShape'];
    expectTypeOf<NonNullable<ErrorShape['data']['refusal']>['reason']>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<ErrorShape['data']['refusal']>['position']>().toEqualTypeOf<
      number | null
    >();
    expectTypeOf<NonNullable<ErrorShape['data']['refusal']>['span']>().toEqualTypeOf<{
      readonly start: number;
      readonly end: number;
    } | null>();
  });

  it("name the contract's statuses as the router returns them, from one runtime list each", () => {
    expectTypeOf<ExecutionState>().toEqualTypeOf<RouterOutputs['exec']['byId']['status']>();
    expectTypeOf<ExecutionState>().toEqualTypeOf<(typeof EXECUTION_STATES)[number]>();
    expectTypeOf<HostStatus>().toEqualTypeOf<RunHost['status']>();
    expectTypeOf<HostStatus>().toEqualTypeOf<(typeof HOST_STATUSES)[number]>();
    expectTypeOf<RunStatus>().toEqualTypeOf<RouterOutputs['runs']['byId']['status']>();
    expectTypeOf<RunStatus>().toEqualTypeOf<(typeof RUN_STATUSES)[number]>();
    type ErrorShape = AppRouter['_def']['_config']['$types']['errorShape'];
    expectTypeOf<NonNullable<ErrorShape['data']['refusal']>>().toEqualTypeOf<Refusal>();
    expectTypeOf(refusalOf(null)).toEqualTypeOf<Refusal | null>();
  });

  it('follow output and runs with followers: events out of their envelope, phases, the end', () => {
    const client = createOgentClient({ url: 'http://localhost:3000', token: 't' });
    const output = client.followOutput('id', { after: 2 });
    expectTypeOf(output).toEqualTypeOf<Follower<TrackedEvent<RouterOutputs['exec']['onOutput']>>>();
    expectTypeOf(output.phase).toEqualTypeOf<FollowPhase>();
    const run = client.followRun('id', { signal: AbortSignal.timeout(1) });
    expectTypeOf(run).toEqualTypeOf<RunFollower>();
    expectTypeOf(run.result()).toEqualTypeOf<Promise<RunEnd>>();
    expectTypeOf(run.hosts).toEqualTypeOf<ReadonlyMap<string, RunHost>>();
    expectTypeOf<RunEnd['status']>().toEqualTypeOf<Exclude<RunStatus, 'running'>>();
    expectTypeOf<RouterInputs['runs']['start']['params']>().toEqualTypeOf<string[] | undefined>();
  });
});
