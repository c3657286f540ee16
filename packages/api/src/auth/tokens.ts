import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '@ogent/executor';
import { durationMs } from '../config.js';
import { DomainError } from '../errors.js';
import type { SigningKey } from '../ports/signing-keys.js';
import {
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  SignJWT,
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
} from 'jose';

/** Locally issued tokens carry this issuer and audience. */
export const LOCAL_ISSUER = 'ogent';
export const LOCAL_AUDIENCE = 'ogent';
const LOCAL_ALGORITHM = 'EdDSA';
/** Unknown key ids make the keys be read again at most this often. */
const RELOAD_INTERVAL_MS = 5_000;
/** For an outside issuer's clock; our own tokens are checked against our own clock, exactly. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** An identity provider whose tokens are accepted as well (JWKS-verified). */
export interface ExternalIssuer {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  /** Claim holding the user's role names. */
  readonly rolesClaim: string;
  /** Claim holding the username. */
  readonly usernameClaim: string;
}

/** Who a verified token says the caller is. */
export interface VerifiedToken {
  readonly username: string;
  /** Roles from the token: trusted only for external tokens; local ones are re-read from config. */
  readonly roles: readonly string[];
  /** Expiry, milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly issuer: 'local' | 'external';
  /** The session a local token belongs to (its `sid` claim); null for external tokens. */
  readonly sessionId: string | null;
}

/** Why a token was refused. The message is safe to show: it never echoes the token. */
export class TokenError extends DomainError {
  override readonly name = 'TokenError';

  constructor(message: string) {
    super('unauthenticated', message);
  }
}

type ImportedKey = Exclude<Awaited<ReturnType<typeof importJWK>>, Uint8Array>;

interface ImportedSigningKey {
  readonly kid: string;
  readonly privateKey: ImportedKey;
  readonly publicKey: ImportedKey;
  readonly publicJwk: JWK;
}

interface ImportedSigningKeys {
  readonly current: ImportedSigningKey;
  readonly all: readonly ImportedSigningKey[];
}

async function importSigningKeys(keys: readonly SigningKey[]): Promise<ImportedSigningKeys> {
  const all = await Promise.all(
    keys.map(async (key): Promise<ImportedSigningKey> => {
      const privateKey = await importJWK(key.privateJwk, LOCAL_ALGORITHM);
      const publicKey = await importJWK(key.publicJwk, LOCAL_ALGORITHM);
      if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) {
        throw new Error('A signing key must be an asymmetric JWK pair.');
      }
      return { kid: key.publicJwk.kid ?? 'ogent', privateKey, publicKey, publicJwk: key.publicJwk };
    }),
  );
  const [current] = all;
  if (current === undefined) throw new Error('There is no signing key.');
  return { current, all };
}

/** A new Ed25519 signing key, as JWKs for storing. */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(LOCAL_ALGORITHM, { extractable: true });
  const kid = randomUUID();
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: LOCAL_ALGORITHM, use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: LOCAL_ALGORITHM, use: 'sig' },
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired. Sign in again.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `The token's "${error.claim}" claim is not acceptable.`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'The token signature is invalid.';
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token algorithm is not accepted.';
  if (error instanceof joseErrors.JWKSNoMatchingKey)
    return 'The token was signed by an unknown key.';
  if (error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JWSInvalid) {
    return 'The token is malformed.';
  }
  return 'The token could not be verified.';
}

/**
 * Issues and verifies access tokens with jose. Local tokens are EdDSA-signed with a key the
 * server keeps; tokens from an external identity provider are verified against its JWKS. Every
 * check is pinned: algorithm, issuer, audience, `typ`, and required `exp`, `iat`, `sub`.
 */
export class TokenService {
  private constructor(
    private signing: ImportedSigningKeys,
    private readonly reload: (() => Promise<readonly SigningKey[]>) | undefined,
    private readonly ttl: string,
    private readonly external: ExternalIssuer | undefined,
    private readonly externalKeys: JWTVerifyGetKey | undefined,
    private readonly clock: Clock,
  ) {}

  static async create(options: {
    /** The signing keys, current first (see SigningKeyStore). */
    keys: readonly SigningKey[];
    ttl: string;
    external?: ExternalIssuer;
    /** What "now" is for issuing and checking expiry (tests pass a manual clock). */
    clock?: Clock;
    /**
     * Reads the keys again: called when a token names a key this instance does not know (another
     * instance rotated them), at most every RELOAD_INTERVAL_MS.
     */
    reload?: () => Promise<readonly SigningKey[]>;
  }): Promise<TokenService> {
    return new TokenService(
      await importSigningKeys(options.keys),
      options.reload,
      options.ttl,
      options.external,
      options.external === undefined
        ? undefined
        : createRemoteJWKSet(new URL(options.external.jwksUrl)),
      options.clock ?? systemClock,
    );
  }

  /** The public keys tokens are verified with, current first: what `/.well-known/jwks.json` lists. */
  get publicJwks(): JWK[] {
    return this.signing.all.map((k) => k.publicJwk);
  }

  /** Takes up new keys (after a rotation): signs with the new current one, verifies with all. */
  async useKeys(keys: readonly SigningKey[]): Promise<void> {
    this.signing = await importSigningKeys(keys);
  }

  /**
   * A signed token for a session of a signed-in user, valid until `expiresAt` (ms; at most
   * `tokenTtl` from now) or the `tokenTtl` from now when not given.
   */
  async issue(
    username: string,
    roles: readonly string[],
    session: { readonly id: string; readonly expiresAt?: number },
  ): Promise<{ token: string; expiresAt: number }> {
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const ttlSeconds = durationMs(this.ttl) / 1000;
    const expiresAt =
      session.expiresAt === undefined
        ? issuedAt + ttlSeconds
        : Math.min(issuedAt + ttlSeconds, Math.floor(session.expiresAt / 1000));
    const token = await new SignJWT({ roles: [...roles], sid: session.id })
      .setProtectedHeader({ alg: LOCAL_ALGORITHM, typ: 'JWT', kid: this.signing.current.kid })
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setSubject(username)
      .setIssuedAt(issuedAt)
      .setJti(randomUUID())
      .setExpirationTime(expiresAt)
      .sign(this.signing.current.privateKey);
    const { exp } = decodeJwt(token);
    return { token, expiresAt: (exp ?? 0) * 1000 };
  }

  /** Verifies a token. Throws TokenError with a reason safe to return to the caller. */
  async verify(token: string): Promise<VerifiedToken> {
    if (token.length > 16_384) throw new TokenError('The token is too long.');
    let unverifiedIssuer: string | undefined;
    try {
      unverifiedIssuer = decodeJwt(token).iss;
    } catch {
      throw new TokenError('The token is malformed.');
    }
    try {
      if (
        this.external !== undefined &&
        this.externalKeys !== undefined &&
        unverifiedIssuer === this.external.issuer
      ) {
        const { payload } = await jwtVerify(token, this.externalKeys, {
          algorithms: [...this.external.algorithms],
          issuer: this.external.issuer,
          audience: this.external.audience,
          requiredClaims: ['exp', 'iat', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(this.clock.now()),
        });
        return this.toVerified(
          payload,
          'external',
          this.external.rolesClaim,
          this.external.usernameClaim,
        );
      }
      const { payload } = await jwtVerify(token, this.verificationKey, {
        algorithms: [LOCAL_ALGORITHM],
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        typ: 'JWT',
        requiredClaims: ['exp', 'iat', 'sub', 'jti', 'sid'],
        currentDate: new Date(this.clock.now()),
      });
      return this.toVerified(payload, 'local', 'roles', 'sub');
    } catch (error) {
      if (error instanceof TokenError) throw error;
      throw new TokenError(describeJoseError(error));
    }
  }

  private reloadedAt = Number.NEGATIVE_INFINITY;

  /**
   * The public key a token names in its header (`kid`), among the current and previous ones; an
   * unknown one makes the keys be read again (a rotation elsewhere), once in a while.
   */
  private readonly verificationKey = async (header: { kid?: string }): Promise<ImportedKey> => {
    const find = (): ImportedSigningKey | undefined =>
      this.signing.all.find((k) => k.kid === header.kid);
    let key = find();
    const now = this.clock.now();
    if (
      key === undefined &&
      this.reload !== undefined &&
      now - this.reloadedAt >= RELOAD_INTERVAL_MS
    ) {
      this.reloadedAt = now;
      await this.useKeys(await this.reload());
      key = find();
    }
    if (key === undefined) throw new TokenError('The token was signed by an unknown key.');
    return key.publicKey;
  };

  private toVerified(
    payload: JWTPayload,
    issuer: 'local' | 'external',
    rolesClaim: string,
    usernameClaim: string,
  ): VerifiedToken {
    const username = payload[usernameClaim];
    if (typeof username !== 'string' || username === '') {
      throw new TokenError(`The token has no "${usernameClaim}" claim.`);
    }
    const roles = payload[rolesClaim];
    const sid = payload.sid;
    if (issuer === 'local' && typeof sid !== 'string') {
      throw new TokenError('The token has no "sid" claim.');
    }
    return {
      username,
      roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
      expiresAt: (payload.exp ?? 0) * 1000,
      issuer,
      sessionId: issuer === 'local' ? (sid as string) : null,
    };
  }
}
