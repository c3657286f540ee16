import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SigningKey, generateSigningKey } from '@ogent/api';

const FILE = 'jwt-signing-key.json';

/**
 * The server's token signing key, kept in dataDir (mode 0600) so tokens survive a restart.
 * Generated at first start. Delete the file to revoke every token at once.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, FILE);
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SigningKey>;
    if (parsed.privateJwk === undefined || parsed.publicJwk === undefined) {
      throw new Error(`${file} does not hold a signing key`);
    }
    return { privateJwk: parsed.privateJwk, publicJwk: parsed.publicJwk };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = await generateSigningKey();
  writeFileSync(file, JSON.stringify(key), { mode: 0o600, flag: 'wx' });
  return key;
}
