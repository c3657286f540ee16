import type { CommandHint, TargetView } from '../api/types.js';
import { describe, expect, it } from 'vitest';
import type { RunPreviewState } from '../fleet/use-run-preview';
import { scopeOf } from './command-scope';
import { commandHint } from './test-hints';

const command = (name: string): CommandHint => commandHint(name, { maxArgs: 0 });

function target(id: string, label: string, commands: string[]): TargetView {
  return { id, label, transport: 'local', host: null, labels: {}, commands: commands.map(command) };
}

const byId = new Map(
  [
    target('local', 'This server', ['uptime', 'df']),
    target('web-1', 'Web 1', ['df', 'ls']),
    target('db-1', 'Database', ['psql']),
  ].map((t) => [t.id, t]),
);
const names = (scope: ReturnType<typeof scopeOf>) => scope?.commands.map((c) => c.name);

describe('scopeOf', () => {
  it('has no scope without a known target', () => {
    expect(scopeOf({ kind: 'none' }, byId, null)).toBeUndefined();
    expect(scopeOf({ kind: 'unknown', names: ['x'] }, byId, null)).toBeUndefined();
    expect(scopeOf({ kind: 'target', id: 'gone' }, byId, null)).toBeUndefined();
  });

  it("names one target as people do, with that target's commands", () => {
    const scope = scopeOf({ kind: 'target', id: 'local' }, byId, null);
    expect(scope?.label).toBe('This server (local)');
    expect(names(scope)).toEqual(['uptime', 'df']);
  });

  it('merges the commands of several targets, once each, by name', () => {
    const scope = scopeOf({ kind: 'targets', ids: ['local', 'web-1'] }, byId, null);
    expect(scope?.label).toBe('2 targets');
    expect(names(scope)).toEqual(['df', 'ls', 'uptime']);
  });

  it('takes a selector’s targets from the preview, and its text until the preview answers', () => {
    const choice = { kind: 'selector', selector: 'role=db' } as const;
    expect(scopeOf(choice, byId, { data: undefined, error: null, stale: false })).toEqual({
      label: 'role=db',
      commands: [],
    });
    const answered = {
      data: { targets: [{ id: 'db-1' }], matched: 1, allowed: 1 },
      error: null,
      stale: false,
    } as unknown as RunPreviewState;
    const scope = scopeOf(choice, byId, answered);
    expect(scope?.label).toBe('1 targets');
    expect(names(scope)).toEqual(['psql']);
  });
});
