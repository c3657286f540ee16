import type {
  AccountStatesTable,
  AuditEventsTable,
  AuditHeadTable,
  ExecutionsTable,
  RunHostsTable,
  RunsTable,
  SessionsTable,
  UsersTable,
} from '../schema.js';

/** An execution's output chunk, bytes and all, in PostgreSQL. */
export interface PgExecutionOutputTable {
  execution_id: string;
  seq: number;
  stream: 'stdout' | 'stderr';
  data: Buffer;
  /** When it arrived (ms since the epoch), from migration 0007; null before. */
  arrived_at: number | null;
}

/** The keys that sign Ogent's tokens, shared by every instance. */
export interface SigningKeysTable {
  id: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
}

/** The cluster's schema: the single node's tables, output as rows, and the signing keys. */
export interface PgDatabase {
  executions: ExecutionsTable;
  execution_output: PgExecutionOutputTable;
  users: UsersTable;
  sessions: SessionsTable;
  account_states: AccountStatesTable;
  signing_keys: SigningKeysTable;
  runs: RunsTable;
  run_hosts: RunHostsTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
}
