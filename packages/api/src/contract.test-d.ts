import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { describe, expectTypeOf, it } from 'vitest';
import type { ExecutionStatus } from '@ogent/executor';
import type { ExecutionState } from './contract.js';
import type { AppRouter } from './routers/root.js';

/** What clients see of the router, as the README shows it. */
type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;
/** One event of `exec.onOutput`, without its tracking envelope. */
type OutputEvent =
  Outputs['exec']['onOutput'] extends AsyncIterable<infer Event>
    ? Event extends { data: infer Data }
      ? Data
      : never
    : never;

describe('the router as clients infer it', () => {
  it('output data stays a Uint8Array through inference (bytes, not text)', () => {
    expectTypeOf<Extract<OutputEvent, { type: 'output' }>['data']>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<Extract<OutputEvent, { type: 'output' }>['stream']>().toEqualTypeOf<
      'stdout' | 'stderr'
    >();
  });

  it('output says when its bytes arrived: [offset, ms since the epoch] pairs', () => {
    expectTypeOf<Extract<OutputEvent, { type: 'output' }>['times']>().toEqualTypeOf<
      readonly (readonly [offset: number, at: number])[]
    >();
  });

  it('the end event says how it ended, with an error code clients can switch on', () => {
    type End = Extract<OutputEvent, { type: 'end' }>;
    expectTypeOf<End['seq']>().toEqualTypeOf<number>();
    expectTypeOf<End['exitCode']>().toEqualTypeOf<number | null>();
    expectTypeOf<End['error']>().toEqualTypeOf<{
      readonly code: string;
      readonly message: string;
    } | null>();
    expectTypeOf<End['status']>().toEqualTypeOf<
      'refused' | 'completed' | 'failed' | 'cancelled' | 'timed_out' | 'truncated' | 'interrupted'
    >();
  });

  it('exec.execute takes a target, a command, optional params and key; returns an id', () => {
    expectTypeOf<Inputs['exec']['execute']>().toEqualTypeOf<{
      target: string;
      command: string;
      params?: string[] | undefined;
      idempotencyKey?: string | undefined;
    }>();
    expectTypeOf<Outputs['exec']['execute']>().toEqualTypeOf<{ executionId: string }>();
  });

  it('exec.onOutput resumes after a lastEventId, and may stop reading output at a size', () => {
    expectTypeOf<Inputs['exec']['onOutput']>().toEqualTypeOf<{
      executionId: string;
      lastEventId?: string | null | undefined;
      maxOutputBytes?: number | undefined;
    }>();
  });

  it('exec.cancel and exec.byId', () => {
    expectTypeOf<Outputs['exec']['cancel']['cancelled']>().toEqualTypeOf<boolean>();
    type Record = Outputs['exec']['byId'];
    expectTypeOf<Record['argv']>().toEqualTypeOf<readonly string[] | null>();
    expectTypeOf<Record['errorCode']>().toEqualTypeOf<string | null>();
    expectTypeOf<Record['decision']>().toEqualTypeOf<'allowed' | 'refused'>();
    expectTypeOf<Outputs['exec']['list']['nextCursor']>().toEqualTypeOf<string | null>();
  });

  it('exec.list searches text; its items carry a snippet as plain pieces; storage for admins', () => {
    expectTypeOf<Inputs['exec']['list']['text']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Outputs['exec']['list']['items'][number]['snippet']>().toEqualTypeOf<
      readonly { readonly text: string; readonly match: boolean }[] | null | undefined
    >();
    expectTypeOf<Outputs['exec']['searchScope']>().toEqualTypeOf<{ outputBytes: number }>();
    expectTypeOf<Outputs['storage']['overview']['nextPruneFrees']>().toEqualTypeOf<number>();
    expectTypeOf<Outputs['storage']['overview']['maxOutputBytes']>().toEqualTypeOf<number | null>();
  });

  it('auth.login returns a token, its expiry and the user', () => {
    expectTypeOf<Inputs['auth']['login']>().toEqualTypeOf<{ username: string; password: string }>();
    expectTypeOf<Outputs['auth']['login']['token']>().toEqualTypeOf<string>();
    expectTypeOf<Outputs['auth']['login']['expiresAt']>().toEqualTypeOf<number>();
  });

  it('auth.renew keeps the session: a new token and its expiry; users.* for administrators', () => {
    expectTypeOf<Outputs['auth']['renew']['token']>().toEqualTypeOf<string>();
    expectTypeOf<Outputs['auth']['renew']['expiresAt']>().toEqualTypeOf<number>();
    expectTypeOf<Outputs['auth']['me']['sessionId']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Outputs['auth']['logout']>().toEqualTypeOf<{ signedOut: true }>();
    expectTypeOf<Inputs['users']['update']>().toEqualTypeOf<{
      username: string;
      disabled?: boolean | undefined;
      roles?: string[] | null | undefined;
    }>();
    type Account = Outputs['users']['list'][number];
    expectTypeOf<Account['disabled']>().toEqualTypeOf<boolean>();
    expectTypeOf<Account['rolesOverride']>().toEqualTypeOf<readonly string[] | null>();
  });

  it("the contract's execution states name every way the executor ends a command", () => {
    expectTypeOf<ExecutionStatus>().toExtend<ExecutionState>();
  });

  it('runs.start takes params as exec.execute does: each one literal word', () => {
    expectTypeOf<Inputs['runs']['start']['params']>().toEqualTypeOf<string[] | undefined>();
  });
});
