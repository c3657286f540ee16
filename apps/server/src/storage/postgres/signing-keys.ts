import { type SigningKey, type SigningKeyStore, generateSigningKey } from '@ogent/api';
import type { Kysely } from 'kysely';
import type { PgDatabase } from './schema.js';

/** The one row every instance signs with. */
const CURRENT = 'current';

/**
 * The cluster's token signing key, in PostgreSQL: the first instance to start inserts one, the
 * others (and later restarts) read that one, so a token from any instance is valid on all.
 */
export class PgSigningKeyStore implements SigningKeyStore {
  constructor(private readonly db: Kysely<PgDatabase>) {}

  async loadOrCreate(): Promise<SigningKey> {
    const existing = await this.read();
    if (existing !== undefined) return existing;
    const key = await generateSigningKey();
    await this.db
      .insertInto('signing_keys')
      .values({
        id: CURRENT,
        private_jwk: JSON.stringify(key.privateJwk),
        public_jwk: JSON.stringify(key.publicJwk),
        created_at: Date.now(),
      })
      // Another instance inserted first: its key is the one.
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const stored = await this.read();
    if (stored === undefined) throw new Error('The signing key could not be stored.');
    return stored;
  }

  private async read(): Promise<SigningKey | undefined> {
    const row = await this.db
      .selectFrom('signing_keys')
      .select(['private_jwk', 'public_jwk'])
      .where('id', '=', CURRENT)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          privateJwk: JSON.parse(row.private_jwk) as SigningKey['privateJwk'],
          publicJwk: JSON.parse(row.public_jwk) as SigningKey['publicJwk'],
        };
  }
}
