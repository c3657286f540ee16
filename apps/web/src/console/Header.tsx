import { type RefObject, useState } from 'react';
import { UsersDialog } from '../admin/UsersDialog';
import { useApi } from '../session/api-context';
import { type ConnectionStatus, useConnectionStatus } from '../session/connection';
import { useSession, useSignedIn } from '../session/session-context';
import { Logo } from '../shared/Logo';
import { NOTIFY_AFTER_MS, useNotifications } from '../shared/notifications';
import { routeHref } from '../shared/route';

const CONNECTION_TEXT: Readonly<Record<ConnectionStatus, string | null>> = {
  idle: null,
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
};

/** How long signing out waits for the server to end the session. */
const SIGN_OUT_WAIT_MS = 3_000;

export function Header({
  onSkipToInput,
  historyOpen,
  onOpenHistory,
  historyButtonRef,
  inert = false,
}: {
  onSkipToInput: () => void;
  /** Whether the history drawer is open; null when there is none (the history is beside). */
  historyOpen: boolean | null;
  onOpenHistory: () => void;
  /** The drawer's History button, where the focus returns when the drawer closes. */
  historyButtonRef: RefObject<HTMLButtonElement | null>;
  /** While a modal drawer is open over the page. */
  inert?: boolean;
}) {
  const session = useSignedIn();
  const { signOut } = useSession();
  const api = useApi();
  const connection = useConnectionStatus();
  const text = CONNECTION_TEXT[connection];
  const [usersOpen, setUsersOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const notifications = useNotifications();
  const [notifyNotice, setNotifyNotice] = useState<string | null>(null);
  const toggleNotifications = (): void => {
    void notifications.toggle().then((state) => {
      const text =
        state === 'blocked'
          ? 'Notifications are blocked for this site: allow them in the browser’s site settings.'
          : state === 'on'
            ? `You will be notified when a command that ran ${NOTIFY_AFTER_MS / 1000} s or more ends while this tab is in the background.`
            : null;
      setNotifyNotice(text);
      if (text !== null) {
        setTimeout(() => setNotifyNotice((current) => (current === text ? null : current)), 6000);
      }
    });
  };
  // The server ends the session (its token refused everywhere) before the page forgets it; a
  // server out of reach does not keep the user here.
  const signOutEverywhere = (): void => {
    setSigningOut(true);
    void Promise.race([
      api.trpc.auth.logout.mutate().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, SIGN_OUT_WAIT_MS)),
    ]).finally(signOut);
  };
  return (
    <header className="topbar" inert={inert}>
      <button type="button" className="skip-link" onClick={onSkipToInput}>
        Skip to the command input
      </button>
      <a className="brand" href="#/" aria-label="Ogent console home">
        <Logo />
        <span className="brand__name">Ogent</span>
      </a>
      <span className={`connection connection--${connection}`} role="status">
        {text !== null && (
          <>
            <span className="connection__dot" aria-hidden="true" />
            {text}
          </>
        )}
      </span>
      <div className="topbar__user">
        {historyOpen !== null && (
          <button
            ref={historyButtonRef}
            type="button"
            className="button button--quiet"
            aria-haspopup="dialog"
            aria-expanded={historyOpen}
            onClick={onOpenHistory}
          >
            History
          </button>
        )}
        <span className="topbar__name" data-testid="signed-in-user">
          {session.user.username}
        </span>
        {session.user.roles.length > 0 && (
          <span className="topbar__roles">{session.user.roles.join(', ')}</span>
        )}
        {(session.user.viewAll || session.user.readAudit === true) && (
          <a className="button button--quiet" href={routeHref({ name: 'storage' })}>
            Storage
          </a>
        )}
        {notifications.state !== 'unsupported' && (
          <button
            type="button"
            className="button button--quiet"
            aria-pressed={notifications.state === 'on'}
            onClick={toggleNotifications}
            title={`A desktop notification when a command that ran ${NOTIFY_AFTER_MS / 1000} s or more ends while this tab is in the background`}
          >
            Notify<span className="visually-hidden"> me when a long command ends</span>
          </button>
        )}
        {session.user.manageUsers === true && (
          <button type="button" className="button button--quiet" onClick={() => setUsersOpen(true)}>
            Users
          </button>
        )}
        <button
          type="button"
          className="button button--quiet"
          onClick={signOutEverywhere}
          disabled={signingOut}
        >
          Sign out
        </button>
      </div>
      <p className="topbar__notice" role="status">
        {notifyNotice}
      </p>
      {usersOpen && <UsersDialog onClose={() => setUsersOpen(false)} />}
    </header>
  );
}
