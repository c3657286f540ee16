import {
  createContext,
  use,
  useCallback,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { EXPIRED_NOTICE } from './notices';
import { type Session, loadSession, saveSession, saveTabValue } from './storage';

/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface SessionContextValue {
  readonly session: Session | null;
  /** Why the user is on the sign-in screen (expired session), or null. */
  readonly notice: string | null;
  /** Who was signed in before the session expired, to fill in the form. */
  readonly lastUsername: string | null;
  readonly signIn: (session: Session) => void;
  /** Signing out on purpose forgets the command being typed too. */
  readonly signOut: () => void;
  /** A renewed token for the same session (see useTokenRenewal). */
  readonly renewed: (token: string, expiresAt: number) => void;
  /** The server no longer accepts the token: back to sign-in, keeping what was typed. */
  readonly expire: (notice?: string) => void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState(() => {
    const session = loadSession(Date.now());
    return { session, notice: null as string | null, lastUsername: null as string | null };
  });

  const signIn = useCallback((session: Session) => {
    saveSession(session);
    setState({ session, notice: null, lastUsername: null });
  }, []);
  const signOut = useCallback(() => {
    saveSession(null);
    saveTabValue('draft', null);
    setState({ session: null, notice: null, lastUsername: null });
  }, []);
  const renewed = useCallback((token: string, expiresAt: number) => {
    setState((current) => {
      if (current.session === null) return current;
      const session = { ...current.session, token, expiresAt };
      saveSession(session);
      return { ...current, session };
    });
  }, []);
  const expire = useCallback((notice: string = EXPIRED_NOTICE) => {
    saveSession(null);
    setState((current) =>
      current.session === null
        ? current
        : { session: null, notice, lastUsername: current.session.user.username },
    );
  }, []);

  const expiresAt = state.session?.expiresAt;
  useEffect(() => {
    if (expiresAt === undefined) return;
    const timer = setTimeout(
      () => expire(),
      Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - Date.now())),
    );
    return () => clearTimeout(timer);
  }, [expiresAt, expire]);

  const value = useMemo(
    () => ({ ...state, signIn, signOut, renewed, expire }),
    [state, signIn, signOut, renewed, expire],
  );
  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): SessionContextValue {
  const value = use(SessionContext);
  if (value === null) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in session; only for components rendered when someone is signed in. */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (session === null) throw new Error('useSignedIn without a session');
  return session;
}
