import type { ColumnType, Generated } from 'kysely';

/** Table types for Kysely. Times are milliseconds since the epoch. */
export interface ExecutionsTable {
  id: string;
  username: string;
  target: string;
  input: string;
  decision: 'allowed' | 'refused';
  rule: string;
  refusal_code: string | null;
  reason: string | null;
  /** JSON array. */
  argv: string | null;
  status: string;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  /** The executor's error code, from migration 0002. */
  error_code: string | null;
  /** The fleet run it is a host of, from migration 0006 (PostgreSQL 0005). */
  run_id: string | null;
  /** When retention deleted the output, from migration 0005 (PostgreSQL 0004). */
  output_pruned_at: number | null;
  created_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  output_bytes: number;
  /** Lines of output, from migration 0010 (PostgreSQL 0009); null before. */
  output_lines: number | null;
  last_seq: number;
  truncated: number;
  idempotency_key: string | null;
  source: 'trpc' | 'http';
}

/** Where each numbered chunk of output lies in the execution's output file. */
export interface ExecutionOutputTable {
  execution_id: string;
  seq: number;
  stream: 'stdout' | 'stderr';
  byte_offset: number;
  byte_length: number;
  /** When it arrived (ms since the epoch), from migration 0008 (PostgreSQL 0007); null before. */
  arrived_at: number | null;
}

export interface UsersTable {
  username: string;
  password_hash: string;
  /** JSON array. */
  roles: string;
  created_at: ColumnType<number, number, never>;
  updated_at: number;
}

/** Fleet runs, from migration 0003 (PostgreSQL 0002). */
export interface RunsTable {
  id: string;
  username: string;
  /** JSON array. */
  roles: string;
  command: string;
  selector: string | null;
  /** JSON array. */
  requested_targets: string | null;
  /** JSON object (RunOptions). */
  options: string;
  status: string;
  stop: string | null;
  stop_reason: string | null;
  retry_of: string | null;
  source: 'trpc' | 'http';
  created_at: number;
  finished_at: number | null;
  version: number;
  total: number;
}

/** One host of a run. */
export interface RunHostsTable {
  run_id: string;
  position: number;
  target: string;
  status: string;
  execution_id: string | null;
  execution_status: string | null;
  exit_code: number | null;
  signal: string | null;
  exec_time: number | null;
  error_code: string | null;
  error: string | null;
  output_bytes: number;
  output_sha256: string | null;
  instance: string | null;
  started_at: number | null;
  finished_at: number | null;
  version: number;
}

/** The audit trail, from migration 0004 (PostgreSQL 0003): events chained by SHA-256. */
export interface AuditEventsTable {
  id: number;
  at: number;
  type: string;
  actor: string | null;
  address: string | null;
  subject: string | null;
  /** JSON object, hashed as written. */
  data: string;
  prev_hash: string;
  hash: string;
}

/** One row (k = 1): the last event's id and hash. */
export interface AuditHeadTable {
  k: number;
  last_id: number;
  last_hash: string;
}

/** A sign-in's session (see SessionService). */
export interface SessionsTable {
  id: string;
  username: string;
  created_at: number;
  expires_at: number;
  token_expires_at: number;
  renewed_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
  address: string | null;
}

/** An administrator's run-time change to an account. */
export interface AccountStatesTable {
  username: string;
  /** 0 or 1. */
  disabled: number;
  /** JSON array of role names, or null for the configured ones. */
  roles: string | null;
  updated_at: number;
  updated_by: string;
}

export interface Database {
  sessions: SessionsTable;
  account_states: AccountStatesTable;
  executions: ExecutionsTable;
  execution_output: ExecutionOutputTable;
  users: UsersTable;
  runs: RunsTable;
  run_hosts: RunHostsTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
}

export type { Generated };
