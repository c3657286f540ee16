import { type SigningKey, type SigningKeyStore, generateSigningKey } from '@ogent/api';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { PgDatabase } from './schema.js';

/** Serialises creating and rotating keys across instances (pg_advisory_xact_lock). */
const KEYS_LOCK = 0x6f67656e; // "ogen"
/** Keys kept: the current one and the one before it. */
const KEPT = 2;

/**
 * The cluster's token signing keys, in PostgreSQL: the first instance to start creates one, the
 * others (and later restarts) read it, so a token from any instance is valid on all. Rotation
 * adds a new current key and keeps the previous one.
 */
export class PgSigningKeyStore implements SigningKeyStore {
  constructor(private readonly db: Kysely<PgDatabase>) {}

  async keys(): Promise<SigningKey[]> {
    const existing = await this.read(this.db);
    if (existing.length > 0) return existing;
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${KEYS_LOCK})`.execute(trx);
      const created = await this.read(trx);
      if (created.length > 0) return created;
      await this.insert(trx, await generateSigningKey());
      return this.read(trx);
    });
  }

  async rotate(): Promise<SigningKey[]> {
    const key = await generateSigningKey();
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${KEYS_LOCK})`.execute(trx);
      await this.insert(trx, key);
      const kept = await this.read(trx);
      await trx
        .deleteFrom('signing_keys')
        .where(
          'id',
          'not in',
          kept.map((k) => k.publicJwk.kid ?? ''),
        )
        .execute();
      return kept;
    });
  }

  private async insert(trx: Transaction<PgDatabase>, key: SigningKey): Promise<void> {
    await trx
      .insertInto('signing_keys')
      .values({
        id: key.publicJwk.kid ?? 'ogent',
        private_jwk: JSON.stringify(key.privateJwk),
        public_jwk: JSON.stringify(key.publicJwk),
        // Newest first even within one millisecond.
        created_at: sql<number>`greatest(${Date.now()}, (select coalesce(max(created_at), 0) + 1 from signing_keys))`,
      })
      .execute();
  }

  private async read(db: Kysely<PgDatabase>): Promise<SigningKey[]> {
    const rows = await db
      .selectFrom('signing_keys')
      .select(['private_jwk', 'public_jwk'])
      .orderBy('created_at', 'desc')
      .limit(KEPT)
      .execute();
    return rows.map((row) => ({
      privateJwk: JSON.parse(row.private_jwk) as SigningKey['privateJwk'],
      publicJwk: JSON.parse(row.public_jwk) as SigningKey['publicJwk'],
    }));
  }
}
