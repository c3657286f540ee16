import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SigningKey, type SigningKeyStore, generateSigningKey } from '@ogent/api';

const FILE = 'jwt-signing-key.json';

/**
 * The single node's token signing keys, in dataDir (mode 0600) so tokens survive a restart:
 * `{ "keys": [current, previous] }` (a file of one key, as earlier versions wrote, is read as
 * that key alone). Generated at first start. Delete the file to revoke every token at once.
 */
export class FileSigningKeyStore implements SigningKeyStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, FILE);
  }

  async keys(): Promise<SigningKey[]> {
    const existing = this.read();
    if (existing !== undefined) return existing;
    const keys = [await generateSigningKey()];
    try {
      // `wx`: if another process created it meanwhile, theirs wins and is read back.
      writeFileSync(this.file, JSON.stringify({ keys }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const created = this.read();
      if (created !== undefined) return created;
      throw error;
    }
    return keys;
  }

  async rotate(): Promise<SigningKey[]> {
    const [current] = await this.keys();
    const keys = [await generateSigningKey(), ...(current === undefined ? [] : [current])];
    // Written whole, then renamed over: a reader sees the old keys or the new, never half.
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ keys }), { mode: 0o600 });
    renameSync(temporary, this.file);
    return keys;
  }

  private read(): SigningKey[] | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<SigningKey> & { keys?: SigningKey[] };
    const keys = parsed.keys ?? [parsed];
    if (
      keys.length === 0 ||
      keys.some((k) => k.privateJwk === undefined || k.publicJwk === undefined)
    ) {
      throw new Error(`${this.file} does not hold signing keys`);
    }
    return keys as SigningKey[];
  }
}
