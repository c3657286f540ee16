import type { AuthUser } from '../domain/user.js';
import type { LimitsConfig, QuotasConfig, RetentionConfig } from '../config.js';
import { DomainError } from '../errors.js';
import type { StorageReport } from './service.js';

/** What admins see of storage: the figures of `/healthz`, and the rules that shape them. */
export interface StorageOverview extends StorageReport {
  /** The retention rules from the config (`off`: kept). */
  readonly retention: {
    readonly output: string;
    readonly records: string;
    readonly every: string;
  };
  /** The most one execution may store (`limits.maxOutputBytes`). */
  readonly maxOutputBytesPerExecution: number;
  /** `quotas.outputBytesPerDay`, or null when unset. */
  readonly outputBytesPerDayPerUser: number | null;
  /** How much of each output search sees (`search.outputBytes`; 0: commands only). */
  readonly searchOutputBytes: number;
}

/** The one rule for who may see storage figures: roles with `viewAll` or `audit` (admins). */
export function mayReadStorage(user: AuthUser): boolean {
  return user.viewAll || user.readAudit === true;
}

/** Storage figures and what retention will free next, for admins. */
export class StorageAccess {
  constructor(
    private readonly deps: {
      readonly storage: () => Promise<StorageReport>;
      readonly retention: RetentionConfig;
      readonly limits: LimitsConfig;
      readonly quotas: QuotasConfig;
      readonly searchOutputBytes: number;
    },
  ) {}

  /** Throws `forbidden` for anyone but admins. */
  async overview(user: AuthUser): Promise<StorageOverview> {
    if (!mayReadStorage(user)) {
      throw new DomainError('forbidden', 'Storage figures need a role with `viewAll` or `audit`.');
    }
    const { retention, limits, quotas } = this.deps;
    return {
      ...(await this.deps.storage()),
      retention: { output: retention.output, records: retention.records, every: retention.every },
      maxOutputBytesPerExecution: limits.maxOutputBytes,
      outputBytesPerDayPerUser: quotas.outputBytesPerDay ?? null,
      searchOutputBytes: this.deps.searchOutputBytes,
    };
  }
}
