import type {
  AnyTRPCProcedure,
  AnyTRPCRouter,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from '@trpc/server';

/**
 * A type spelled out member by member: each interface of the server becomes the object type it
 * describes, so that the published declarations name nothing of the server's packages. Bytes stay
 * `Uint8Array` (a `Buffer` on the server is one).
 *
 * Written as conditional types on purpose: TypeScript prints the result of a resolved conditional
 * type structurally, where it would print an instantiated alias by its name.
 */
export type Plain<T> = T extends Uint8Array
  ? Uint8Array
  : T extends object
    ? { [K in keyof T]: Plain<T[K]> }
    : T;

type PlainOutput<T> =
  T extends AsyncIterable<infer Event, infer Return, infer Next>
    ? AsyncIterable<Plain<Event>, Return, Next>
    : Plain<T>;

type PlainProcedure<P> =
  P extends TRPCQueryProcedure<infer Def>
    ? TRPCQueryProcedure<{ input: Plain<Def['input']>; output: Plain<Def['output']>; meta: object }>
    : P extends TRPCMutationProcedure<infer Def>
      ? TRPCMutationProcedure<{
          input: Plain<Def['input']>;
          output: Plain<Def['output']>;
          meta: object;
        }>
      : P extends TRPCSubscriptionProcedure<infer Def>
        ? TRPCSubscriptionProcedure<{
            input: Plain<Def['input']>;
            output: PlainOutput<Def['output']>;
            meta: object;
          }>
        : never;

type PlainRecord<R> = R extends object
  ? { [K in keyof R]: R[K] extends AnyTRPCProcedure ? PlainProcedure<R[K]> : PlainRecord<R[K]> }
  : never;

/**
 * The router as a client sees it: the same procedures with the same inputs and outputs, the same
 * error shape and transformer, and no server context (which would drag the server's services
 * into a client's types).
 */
export type ForClients<R> = R extends AnyTRPCRouter
  ? TRPCBuiltRouter<
      {
        ctx: object;
        meta: object;
        errorShape: Plain<R['_def']['_config']['$types']['errorShape']>;
        transformer: R['_def']['_config']['$types']['transformer'];
      },
      PlainRecord<R['_def']['record']>
    >
  : never;
