import { createHash } from 'node:crypto';

/** What is audited. */
export type AuditEventType =
  /** A command was tried: allowed (it runs) or refused (nothing ran). */
  | 'execution.attempt'
  /** An execution ended: its status, exit code and output size. */
  | 'execution.end'
  | 'execution.cancel'
  | 'run.start'
  | 'run.cancel'
  | 'auth.sign_in'
  | 'auth.sign_in_failed'
  /** A user signed out: the session's tokens are refused from then on. */
  | 'auth.sign_out'
  /** An administrator disabled or enabled an account, or changed its roles. */
  | 'account.update'
  /** An administrator ended a user's sessions. */
  | 'account.sessions_revoked'
  /** A user went over a quota: recorded once per quota window, not per refused attempt. */
  | 'quota.exceeded'
  /** The retention job pruned output or records. */
  | 'retention.prune'
  /** An administrator rotated the token signing key. */
  | 'signing_key.rotate';

/** An audit event before it is chained. `data` is JSON text (kept as written, hashed as is). */
export interface AuditEntry {
  readonly type: AuditEventType;
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** Who did it: a username, or null for the system. */
  readonly actor: string | null;
  /** The client address it came from, when known. */
  readonly address: string | null;
  /** What it concerns: an execution or run id, a username. */
  readonly subject: string | null;
  readonly data: string;
}

/** A chained audit event: numbered from 1, each carrying the hash of the one before. */
export interface AuditEvent extends AuditEntry {
  readonly id: number;
  /** The previous event's hash (GENESIS_HASH for the first). */
  readonly prevHash: string;
  /** SHA-256 over this event's fields and prevHash, hex. */
  readonly hash: string;
}

/** The previous hash of event 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** An entry with its data as JSON text, keys sorted, so that equal data hashes equally. */
export function auditEntry(
  fields: Omit<AuditEntry, 'data'> & { readonly data: Readonly<Record<string, unknown>> },
): AuditEntry {
  return { ...fields, data: canonicalJson(fields.data) };
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The hash of event `id` with these fields after `prevHash`. */
export function auditHash(id: number, entry: AuditEntry, prevHash: string): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        id,
        entry.at,
        entry.type,
        entry.actor,
        entry.address,
        entry.subject,
        entry.data,
        prevHash,
      ]),
    )
    .digest('hex');
}

/** Chains entries after the event `head` (id 0 and GENESIS_HASH for an empty trail). */
export function chain(
  head: { readonly id: number; readonly hash: string },
  entries: readonly AuditEntry[],
): AuditEvent[] {
  let { id, hash } = head;
  return entries.map((entry) => {
    const prevHash = hash;
    id += 1;
    hash = auditHash(id, entry, prevHash);
    return { ...entry, id, prevHash, hash };
  });
}

export type ChainCheck =
  | {
      readonly intact: true;
      readonly events: number;
      readonly lastId: number;
      readonly lastHash: string;
    }
  | { readonly intact: false; readonly id: number; readonly problem: string };

/**
 * Checks the trail, read in id order a page at a time: ids consecutive from 1, each event's
 * prevHash the hash of the one before, each hash that of its fields. `head` is where the store
 * says the trail ends, which catches the last events deleted. Names the first broken link.
 */
export async function verifyChain(
  read: (afterId: number) => Promise<readonly AuditEvent[]>,
  head: { readonly id: number; readonly hash: string },
): Promise<ChainCheck> {
  let previous = { id: 0, hash: GENESIS_HASH };
  let count = 0;
  for (;;) {
    const page = await read(previous.id);
    if (page.length === 0) break;
    for (const event of page) {
      if (event.id !== previous.id + 1) {
        return event.id > previous.id + 1
          ? {
              intact: false,
              id: previous.id + 1,
              problem: `event ${previous.id + 1} is missing (event ${event.id} follows event ${previous.id})`,
            }
          : { intact: false, id: event.id, problem: `event ${event.id} is out of order` };
      }
      if (event.prevHash !== previous.hash) {
        return {
          intact: false,
          id: event.id,
          problem: `event ${event.id} does not follow event ${previous.id}: its previous hash is ${event.prevHash.slice(0, 12)}..., event ${previous.id}'s hash is ${previous.hash.slice(0, 12)}...`,
        };
      }
      if (auditHash(event.id, event, event.prevHash) !== event.hash) {
        return {
          intact: false,
          id: event.id,
          problem: `event ${event.id} was changed: its fields do not hash to its recorded hash`,
        };
      }
      previous = { id: event.id, hash: event.hash };
      count += 1;
    }
  }
  if (head.id !== previous.id || head.hash !== previous.hash) {
    return {
      intact: false,
      id: previous.id + 1,
      problem:
        head.id > previous.id
          ? `events ${previous.id + 1} to ${head.id} are missing: the trail's head is event ${head.id}`
          : `the trail's head (event ${head.id}) does not match its last event (${previous.id})`,
    };
  }
  return { intact: true, events: count, lastId: previous.id, lastHash: previous.hash };
}
