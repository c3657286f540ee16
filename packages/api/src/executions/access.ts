import { defined } from '@ogent/executor';
import type { AuthUser } from '../domain/user.js';
import { DomainError } from '../errors.js';
import type { LiveBus } from '../ports/live-bus.js';
import type { ExecutionRecords } from '../ports/records.js';
import type { ExecutionListItem, ExecutionQuery, ExecutionRecord } from '../domain/execution.js';

/** The one rule for who may see an execution (or a run): its owner, or a role with `viewAll`. */
export function mayView(user: AuthUser, record: Pick<ExecutionRecord, 'username'>): boolean {
  return user.viewAll || record.username === user.username;
}

/** The one rule for who may cancel it: its owner, or a role with `cancelAll`. */
export function mayCancel(user: AuthUser, record: Pick<ExecutionRecord, 'username'>): boolean {
  return user.cancelAll || record.username === user.username;
}

/**
 * Read access to executions. An execution the user may not see is reported as not found, so
 * that ids of other people's executions reveal nothing.
 */
export class ExecutionAccess {
  constructor(
    private readonly records: ExecutionRecords,
    private readonly bus: LiveBus,
  ) {}

  /** An execution the user may see, with its progress if it is running here. */
  async byId(user: AuthUser, id: string): Promise<ExecutionRecord> {
    const record = await this.records.get(id);
    if (record === undefined || !mayView(user, record)) throw notFound(id);
    const progress = this.bus.progress(id);
    return progress === undefined ? record : { ...record, ...progress };
  }

  /** One's own executions, or everyone's (optionally one user's) with `viewAll`. */
  list(
    user: AuthUser,
    query: Omit<ExecutionQuery, 'username'> & { username?: string },
  ): Promise<{ items: ExecutionListItem[]; nextCursor: string | null }> {
    const username = user.viewAll ? query.username : user.username;
    return this.records.list({ ...query, ...defined({ username }) });
  }

  /**
   * An execution the user may cancel. Not found unless they may cancel or see it; forbidden
   * when they may see it but not cancel it.
   */
  async forCancel(user: AuthUser, id: string): Promise<ExecutionRecord> {
    const record = await this.records.get(id);
    if (record === undefined || !(mayCancel(user, record) || mayView(user, record))) {
      throw notFound(id);
    }
    if (!mayCancel(user, record)) {
      throw new DomainError('forbidden', 'Your role may not cancel other users\u2019 executions.');
    }
    return record;
  }
}

function notFound(id: string): DomainError {
  return new DomainError('not_found', `No execution ${id}.`);
}
