import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthUser,
  type Services,
  type Transport,
  appRouter,
  bearerToken,
  createCallerFactory,
  createContext,
  inProcessSink,
} from '@ogent/api';
import { isTrackedEnvelope } from '@trpc/server';
import { HttpError, waitForDrain } from './body.js';

const createCaller = createCallerFactory(appRouter);

/** The router, called in process as one REST request's user. */
export type Caller = ReturnType<typeof createCaller>;

/**
 * One request to the REST contract and its way into the router: a caller with the context the
 * router's own HTTP adapter would build. Its subscriptions stop when the response closes (what
 * they watch runs on) and wait while the response is full; their output comes joined, as bytes
 * for the response to write.
 */
export class RestRequest {
  private readonly closing = new AbortController();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly services: Services,
    private readonly clientAddress: string,
  ) {
    res.once('close', () => this.closing.abort());
  }

  /** Aborted once the response has closed, whether finished or by the client going away. */
  get closed(): AbortSignal {
    return this.closing.signal;
  }

  /** A caller as whoever the request's token names (anyone, without one). */
  async caller(): Promise<Caller> {
    const transport: Transport = {
      subscriptions: null,
      sink: { ready: () => waitForDrain(this.res), join: inProcessSink.join },
    };
    const ctx = await createContext({
      services: this.services,
      token: bearerToken(this.req.headers.authorization),
      clientAddress: this.clientAddress,
      source: 'http',
      transport,
    });
    return createCaller(ctx, { signal: this.closing.signal });
  }

  /** A caller for a route that needs a signed-in user, with that user. */
  async signedIn(): Promise<{ caller: Caller; user: AuthUser }> {
    if (bearerToken(this.req.headers.authorization) === null) {
      throw new HttpError(
        401,
        'Send a token: Authorization: Bearer <token> (from POST /api/auth/login).',
      );
    }
    const caller = await this.caller();
    return { caller, user: await caller.auth.me() };
  }
}

/**
 * The events of a subscription called through a caller. tRPC types them as its clients receive
 * them (`{ id, data }`), but in process they are what the procedure yielded: `tracked()`
 * envelopes (`[id, data, symbol]`). Both are read, so that neither way of tRPC's breaks this.
 */
export async function* events<T>(
  stream: AsyncIterable<{ id: string; data: T }>,
): AsyncGenerator<T, void, undefined> {
  for await (const item of stream) {
    const value: unknown = item;
    yield isTrackedEnvelope<T>(value) ? value[1] : item.data;
  }
}
