import { type FormEvent, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import type { RouterOutputs } from '../api/types';
import { useSignedIn } from '../session/session-context';

type Account = RouterOutputs['users']['list'][number];

function rolesText(account: Account): string {
  return (account.rolesOverride ?? account.configuredRoles).join(', ') || 'none';
}

/** One account's row: its state, and what an administrator can do to it. */
function AccountRow({ account, self }: { account: Account; self: boolean }) {
  const utils = trpc.useUtils();
  const refresh = (): void => void utils.users.list.invalidate();
  const update = trpc.users.update.useMutation({ onSuccess: refresh });
  const revoke = trpc.users.revokeSessions.useMutation({ onSuccess: refresh });
  const [editing, setEditing] = useState(false);
  const [roles, setRoles] = useState(() => rolesText(account));
  const problem = update.error ?? revoke.error;

  const saveRoles = (event: FormEvent): void => {
    event.preventDefault();
    const list = roles
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter((r) => r !== '');
    update.mutate(
      { username: account.username, roles: list },
      { onSuccess: () => setEditing(false) },
    );
  };

  return (
    <tr data-username={account.username} data-disabled={account.disabled}>
      <th scope="row">
        {account.username}
        {account.kind === 'external' && <span className="users__kind"> (identity provider)</span>}
      </th>
      <td>
        {editing ? (
          <form className="users__roles-form" onSubmit={saveRoles}>
            <label className="visually-hidden" htmlFor={`roles-${account.username}`}>
              Roles of {account.username}
            </label>
            <input
              id={`roles-${account.username}`}
              className="users__input"
              value={roles}
              onChange={(e) => setRoles(e.target.value)}
              autoFocus
            />
            <button type="submit" className="button button--small" disabled={update.isPending}>
              Save
            </button>
            <button
              type="button"
              className="button button--small button--quiet"
              onClick={() => setEditing(false)}
            >
              Cancel
            </button>
          </form>
        ) : (
          <>
            <span data-testid="account-roles">{rolesText(account)}</span>
            {account.rolesOverride !== null && (
              <span className="users__note">
                {' '}
                (set by {account.updatedBy}; configured:{' '}
                {account.configuredRoles.join(', ') || 'none'})
              </span>
            )}
          </>
        )}
      </td>
      <td data-testid="account-sessions">{account.sessions}</td>
      <td data-testid="account-state">{account.disabled ? 'Disabled' : 'Active'}</td>
      <td className="users__actions">
        {!editing && (
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setRoles(rolesText(account));
              setEditing(true);
            }}
          >
            Change roles
          </button>
        )}
        {account.rolesOverride !== null && !editing && (
          <button
            type="button"
            className="button button--small button--quiet"
            disabled={update.isPending}
            onClick={() => update.mutate({ username: account.username, roles: null })}
          >
            Use configured roles
          </button>
        )}
        <button
          type="button"
          className="button button--small"
          disabled={self || update.isPending}
          title={self ? 'You cannot disable your own account.' : undefined}
          onClick={() => update.mutate({ username: account.username, disabled: !account.disabled })}
        >
          {account.disabled ? 'Enable' : 'Disable'}
        </button>
        <button
          type="button"
          className="button button--small button--quiet"
          disabled={account.sessions === 0 || revoke.isPending}
          onClick={() => revoke.mutate({ username: account.username })}
        >
          End sessions
        </button>
        {problem !== null && (
          <p className="users__error" role="alert">
            {errorMessage(problem)}
          </p>
        )}
      </td>
    </tr>
  );
}

/**
 * Accounts, for administrators (roles with `manageUsers`): disable or enable them, set their
 * roles in place of the configured ones, end their sessions. Each change takes effect at once:
 * the user's tokens are refused or judged by the new roles, their open sockets closed.
 */
export function UsersDialog({ onClose }: { onClose: () => void }) {
  const session = useSignedIn();
  const dialog = useRef<HTMLDialogElement>(null);
  const accounts = trpc.users.list.useQuery(undefined, { refetchInterval: 10_000 });
  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
  }, []);

  return (
    <dialog ref={dialog} className="users" aria-labelledby="users-title" onClose={onClose}>
      <header className="users__header">
        <h2 id="users-title">Users</h2>
        <button
          type="button"
          className="button button--quiet"
          onClick={() => dialog.current?.close()}
        >
          Close
        </button>
      </header>
      <p className="users__intro">
        Changes take effect at once: a disabled user is signed out everywhere; after a change of
        roles their next command is judged by the new ones. Accounts and their configured roles come
        from the configuration file.
      </p>
      {accounts.error !== null && (
        <p className="users__error" role="alert">
          {errorMessage(accounts.error)}
        </p>
      )}
      {accounts.data !== undefined && (
        <table className="users__table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Roles</th>
              <th scope="col">Sessions</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.data.map((account) => (
              <AccountRow
                key={account.username}
                account={account}
                self={account.username === session.user.username}
              />
            ))}
          </tbody>
        </table>
      )}
    </dialog>
  );
}
