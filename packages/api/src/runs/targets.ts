import type { CommandPolicy, Target } from '@ogent/executor';
import type { AuthUser } from '../domain/user.js';
import { DomainError } from '../errors.js';
import { foldHosts } from './fold.js';
import { parseSelector } from './selector.js';
import type { PreviewTarget } from '../domain/run.js';

/** Which targets a run names: ids, a selector, or both (their union). */
export interface RunTargets {
  readonly targets?: readonly string[];
  readonly selector?: string;
}

/** Ids, selector or both, resolved to configured targets in config order. */
export function resolveTargets(all: readonly Target[], request: RunTargets): Target[] {
  const ids = request.targets ?? [];
  if (ids.length === 0 && request.selector === undefined) {
    throw new DomainError('invalid_input', 'Name the targets: give targets, a selector, or both.');
  }
  const known = new Map(all.map((t) => [t.id, t]));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new DomainError(
      'not_found',
      `Unknown target${unknown.length === 1 ? '' : 's'}: ${foldHosts(unknown)}.`,
    );
  }
  const chosen = new Set(ids);
  if (request.selector !== undefined) {
    const selector = parseSelector(request.selector);
    for (const target of all) if (selector.matches(target)) chosen.add(target.id);
    if (chosen.size === 0) {
      throw new DomainError(
        'invalid_input',
        `The selector ${JSON.stringify(request.selector)} matches no target.`,
      );
    }
  }
  return all.filter((t) => chosen.has(t.id));
}

/** Per target, whether the user's roles allow the command there (or any command, without one). */
export function previewTargets(
  policy: CommandPolicy,
  targets: readonly Target[],
  user: Pick<AuthUser, 'roles'>,
  command: string | undefined,
): PreviewTarget[] {
  return targets.map((target) => {
    const base = { id: target.id, label: target.label ?? target.id, labels: target.labels ?? {} };
    if (command === undefined || command.trim() === '') {
      const allowed = policy.targetPermitted(user.roles, target.id);
      return {
        ...base,
        allowed,
        rule: allowed ? null : 'roles.targets',
        code: allowed ? null : 'target_not_permitted',
        reason: allowed ? null : `Your roles allow no command on ${target.id}.`,
      };
    }
    const decision = policy.check(command, { roles: user.roles, target: target.id });
    return decision.allowed
      ? { ...base, allowed: true, rule: decision.rule, code: null, reason: null }
      : {
          ...base,
          allowed: false,
          rule: decision.rule,
          code: decision.code,
          reason: decision.reason,
        };
  });
}
