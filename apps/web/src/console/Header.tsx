import { type ConnectionStatus, useConnectionStatus } from '../api/connection';
import { useSession, useSignedIn } from '../session/session-context';
import { Logo } from '../app/Logo';

const CONNECTION_TEXT: Readonly<Record<ConnectionStatus, string | null>> = {
  idle: null,
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
};

export function Header({ onSkipToInput }: { onSkipToInput: () => void }) {
  const session = useSignedIn();
  const { signOut } = useSession();
  const connection = useConnectionStatus();
  const text = CONNECTION_TEXT[connection];
  return (
    <header className="topbar">
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
        <span className="topbar__name" data-testid="signed-in-user">
          {session.user.username}
        </span>
        {session.user.roles.length > 0 && (
          <span className="topbar__roles">{session.user.roles.join(', ')}</span>
        )}
        <button type="button" className="button button--quiet" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
