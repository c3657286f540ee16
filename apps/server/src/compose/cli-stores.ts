import type { AuditStore, SigningKeyStore } from '@ogent/api';
import type { Config } from '../config/schema.js';
import { SqlAuditStore } from '../storage/audit.js';
import { openDatabase } from '../storage/database.js';
import { openPostgres } from '../storage/postgres/database.js';
import { PgSigningKeyStore } from '../storage/postgres/signing-keys.js';
import { FileSigningKeyStore } from '../storage/signing-key.js';

/**
 * The signing key store the config points at (a file in dataDir, or PostgreSQL), for the
 * `rotate-signing-key` command.
 */
export async function signingKeyStoreFor(
  config: Config,
): Promise<{ store: SigningKeyStore; close(): Promise<void> }> {
  if (config.storage.databaseUrl === undefined) {
    return {
      store: new FileSigningKeyStore(config.server.dataDir),
      close: () => Promise.resolve(),
    };
  }
  const postgres = await openPostgres(config.storage.databaseUrl);
  return { store: new PgSigningKeyStore(postgres.db), close: () => postgres.close() };
}

/** The audit store the config points at (SQLite in dataDir, or PostgreSQL), for the CLI. */
export async function auditStoreFor(
  config: Config,
): Promise<{ store: AuditStore; close(): Promise<void> }> {
  if (config.storage.databaseUrl === undefined) {
    const database = await openDatabase(config.server.dataDir);
    return { store: new SqlAuditStore(database.db, 'sqlite'), close: () => database.close() };
  }
  const postgres = await openPostgres(config.storage.databaseUrl);
  return { store: new SqlAuditStore(postgres.db, 'postgres'), close: () => postgres.close() };
}
