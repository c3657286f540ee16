import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SigningKey, type SigningKeyStore, generateSigningKey } from '@ogent/api';

const FILE = 'jwt-signing-key.json';

/**
 * The single node's token signing key, kept in dataDir (mode 0600) so tokens survive a restart.
 * Generated at first start. Delete the file to revoke every token at once.
 */
export class FileSigningKeyStore implements SigningKeyStore {
  constructor(private readonly dataDir: string) {}

  async loadOrCreate(): Promise<SigningKey> {
    const file = path.join(this.dataDir, FILE);
    const existing = readKey(file);
    if (existing !== undefined) return existing;
    const key = await generateSigningKey();
    try {
      // `wx`: if another process created it meanwhile, theirs wins and is read back.
      writeFileSync(file, JSON.stringify(key), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const created = readKey(file);
      if (created !== undefined) return created;
      throw error;
    }
    return key;
  }
}

function readKey(file: string): SigningKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<SigningKey>;
  if (parsed.privateJwk === undefined || parsed.publicJwk === undefined) {
    throw new Error(`${file} does not hold a signing key`);
  }
  return { privateJwk: parsed.privateJwk, publicJwk: parsed.publicJwk };
}
