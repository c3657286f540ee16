import {
  type AuditTrail,
  AuthService,
  LoginThrottle,
  SessionService,
  TokenService,
  durationMs,
} from '@ogent/api';
import type { Clock } from '@ogent/executor';
import type { Config } from '../config/schema.js';
import type { Lifecycle } from '../lifecycle.js';
import type { ServerLogger } from '../logger.js';
import type { SignInAccounts } from '../storage/users.js';
import type { Backends } from './backends.js';

/** How long sessions are kept after their maximum age, and how often they are pruned. */
const SESSION_KEEP_MS = 24 * 3_600_000;
const SESSION_PRUNE_EVERY_MS = 3_600_000;

/** How often the signing keys are read again, to take up a rotation. */
const KEY_REFRESH_MS = 60_000;

/** What signs people in and keeps their sessions. */
export interface Auth {
  readonly auth: AuthService;
  readonly sessions: SessionService;
  readonly tokens: TokenService;
}

/** The dependencies of {@link startAuth}. */
export interface AuthDeps {
  readonly config: Config;
  readonly backends: Backends;
  readonly accounts: SignInAccounts;
  readonly audit: AuditTrail;
  readonly lifecycle: Lifecycle;
  readonly clock: Clock;
  readonly logger: ServerLogger;
}

/** Tokens signed with the stored keys, or checked against an external issuer's JWKS too. */
async function tokenService({ config, backends, clock }: AuthDeps): Promise<TokenService> {
  const { auth } = config;
  return TokenService.create({
    keys: await backends.signingKeys.keys(),
    reload: () => backends.signingKeys.keys(),
    ttl: auth.tokenTtl,
    clock,
    ...(auth.jwksUrl !== undefined && auth.issuer !== undefined && auth.audience !== undefined
      ? {
          external: {
            jwksUrl: auth.jwksUrl,
            issuer: auth.issuer,
            audience: auth.audience,
            algorithms: auth.algorithms,
            rolesClaim: auth.rolesClaim,
            usernameClaim: auth.usernameClaim,
          },
        }
      : {}),
  });
}

/**
 * Runs `work` every `everyMs` on the clock, each time after the last one settled, until the
 * lifecycle closes.
 */
function repeat(
  deps: AuthDeps,
  name: string,
  everyMs: number,
  work: () => Promise<unknown>,
  failure: string,
): void {
  const { clock, logger, lifecycle } = deps;
  let timer = clock.setTimeout(function again() {
    work()
      .catch((error: unknown) => logger.warn({ err: error }, failure))
      .finally(() => {
        timer = clock.setTimeout(again, everyMs);
      });
  }, everyMs);
  lifecycle.onClose(name, () => timer.cancel());
}

/**
 * Sessions, tokens and sign-in, with the two timers that keep them: signing keys rotated
 * elsewhere (`ogent-server rotate-signing-key`, another instance) taken up within a minute, and
 * sessions past their maximum age pruned a day later (the audit trail keeps their story).
 */
export async function startAuth(deps: AuthDeps): Promise<Auth> {
  const { config, backends, accounts, audit, lifecycle, clock } = deps;
  const settings = config.auth;
  const sessions = new SessionService(backends.sessions, backends.sessionEvents, {
    tokenTtlMs: durationMs(settings.tokenTtl),
    maxSessionAgeMs: durationMs(settings.maxSessionAge),
    clock,
  });
  lifecycle.onClose('sessions', () => sessions.close());
  const tokens = await tokenService(deps);
  const auth = new AuthService(accounts.accounts, config.roles, tokens, {
    throttle: new LoginThrottle({
      freeFailuresPerAccount: settings.maxLoginFailures,
      freeFailuresPerAddress: settings.maxAddressFailures,
      windowMs: durationMs(settings.loginWindow),
      maxDelayMs: durationMs(settings.maxLoginDelay),
      createLimiter: backends.coordination.limiters,
    }),
    disabled: accounts.disabled,
    sessions,
    audit,
    clock,
  });
  repeat(
    deps,
    'signing key refresh',
    KEY_REFRESH_MS,
    async () => tokens.useKeys(await backends.signingKeys.keys()),
    'could not read the signing keys',
  );
  repeat(
    deps,
    'session pruning',
    SESSION_PRUNE_EVERY_MS,
    () => sessions.prune(SESSION_KEEP_MS),
    'could not prune sessions',
  );
  return { auth, sessions, tokens };
}
