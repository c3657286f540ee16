import { randomBytes } from 'node:crypto';
import { type UserAccount, hashPassword } from '@ogent/api';
import type { Config } from '../config/schema.js';
import type { ServerLogger } from '../logger.js';
import { type SignInAccounts, type UserStore, signInAccounts } from '../storage/users.js';

async function configuredAccounts(config: Config): Promise<UserAccount[]> {
  return Promise.all(
    config.users.map(async (user) => ({
      username: user.username,
      // A plain password from the config (normally from the environment) is hashed in memory.
      passwordHash: user.passwordHash ?? (await hashPassword(user.password ?? '')),
      roles: user.roles,
    })),
  );
}

/**
 * Letters and digits without look-alikes (no 0/O, 1/l/I): nothing a terminal drops on a
 * double-click (a leading `-`), nothing misread when typed from the screen. 22 characters of 56
 * are about 128 bits.
 */
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

function generatedPassword(length = 22): string {
  let password = '';
  while (password.length < length) {
    // Rejection sampling: bytes at or above the largest multiple of the alphabet are skipped.
    for (const byte of randomBytes(length * 2)) {
      const limit = 256 - (256 % PASSWORD_ALPHABET.length);
      if (byte < limit && password.length < length) {
        password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
      }
    }
  }
  return password;
}

async function ensureAdmin(
  users: UserStore,
  env: NodeJS.ProcessEnv,
  announce: (text: string) => void,
): Promise<void> {
  const fromEnv = env.OGENT_ADMIN_PASSWORD;
  const existing = await users.get('admin');
  if (fromEnv !== undefined && fromEnv !== '') {
    await users.upsert({
      username: 'admin',
      passwordHash: await hashPassword(fromEnv),
      roles: ['admin'],
    });
    return;
  }
  if (existing !== undefined) return;
  const password = generatedPassword();
  await users.upsert({
    username: 'admin',
    passwordHash: await hashPassword(password),
    roles: ['admin'],
  });
  announce(
    [
      '',
      '  Ogent created the account "admin" with this password (shown once, not stored):',
      '',
      `      ${password}`,
      '',
      '  Set OGENT_ADMIN_PASSWORD to choose it instead; to reset it, start once with',
      '  OGENT_ADMIN_PASSWORD set (the stored password is replaced).',
      '',
    ].join('\n'),
  );
}

/**
 * The accounts that may sign in: the config's, and with the embedded default config a stored
 * `admin` (created here on first start, its password from OGENT_ADMIN_PASSWORD or generated and
 * announced once). Says in the log what nobody can use.
 */
export async function signInAccountsFor(
  config: Config,
  users: UserStore,
  options: {
    readonly bootstrapAdmin: boolean;
    readonly env: NodeJS.ProcessEnv;
    readonly announce: (text: string) => void;
    readonly logger: ServerLogger;
  },
): Promise<SignInAccounts> {
  const { logger } = options;
  if (options.bootstrapAdmin) await ensureAdmin(users, options.env, options.announce);
  const { accounts, disabled } = signInAccounts(
    await users.all(),
    await configuredAccounts(config),
    options.bootstrapAdmin,
  );
  if (disabled.length > 0) {
    logger.warn(
      { accounts: disabled },
      `stored accounts not defined by the configuration are disabled and cannot sign in: ${disabled.join(', ')}`,
    );
  }
  if (accounts.length === 0 && config.auth.jwksUrl === undefined) {
    logger.warn('no users are configured: nobody can sign in');
  }
  return { accounts, disabled };
}
