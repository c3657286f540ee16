import { toTRPCError } from '@ogent/api';
import { TRPCError } from '@trpc/server';
import { HttpError, readJson, sendJson } from './body.js';
import type { RestRequest } from './rest-request.js';

/** A token and whose it is, as the contract answers sign-in and renewal. */
function tokenAnswer(issued: {
  token: string;
  expiresAt: number;
  user: { username: string; roles: readonly string[] };
}): unknown {
  return {
    token: issued.token,
    expiresAt: new Date(issued.expiresAt).toISOString(),
    user: { username: issued.user.username, roles: issued.user.roles },
  };
}

/** POST /api/auth/login: a username and password for a token. */
export async function login(request: RestRequest): Promise<void> {
  const caller = await request.caller();
  const issued = await caller.auth.login(
    (await readJson(request.req)) as { username: string; password: string },
  );
  sendJson(request.res, 200, tokenAnswer(issued));
}

/** POST /api/auth/renew: a new token for the caller's session (see `auth.renew`). */
export async function renew(request: RestRequest): Promise<void> {
  request.req.resume();
  const { caller } = await request.signedIn();
  sendJson(request.res, 200, tokenAnswer(await caller.auth.renew()));
}

/** POST /api/auth/logout: ends the caller's session; its tokens are refused from now on. */
export async function logout(request: RestRequest): Promise<void> {
  request.req.resume();
  const { caller } = await request.signedIn();
  await caller.auth.logout();
  request.res.writeHead(204).end();
}

/** POST /api/auth/validate: whether the token is valid, and what it allows. */
export async function validate(request: RestRequest): Promise<void> {
  request.req.resume();
  let signedIn: Awaited<ReturnType<RestRequest['signedIn']>>;
  try {
    signedIn = await request.signedIn();
  } catch (error) {
    const mapped = toTRPCError(error);
    const unauthorized =
      (error instanceof HttpError && error.status === 401) ||
      (mapped instanceof TRPCError && mapped.code === 'UNAUTHORIZED');
    if (unauthorized) {
      sendJson(request.res, 401, { valid: false, error: (error as Error).message });
      return;
    }
    throw error;
  }
  const { caller, user } = signedIn;
  const targets = await caller.targets.list();
  sendJson(request.res, 200, {
    valid: true,
    user: { username: user.username, roles: user.roles },
    expiresAt: new Date(user.expiresAt).toISOString(),
    permissions: {
      viewAll: user.viewAll,
      cancelAll: user.cancelAll,
      targets: targets.map((t) => ({
        id: t.id,
        label: t.label,
        commands: t.commands.map((c) => c.name),
      })),
    },
  });
}
