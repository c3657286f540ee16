import { type FormEvent, useRef, useState } from 'react';
import { errorCode, errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { Logo } from '../shared/Logo';
import { BASE_TITLE, useDocumentTitle } from '../shared/use-document-title';
import { loadTabValue } from './storage';
import { useSession } from './session-context';

export function SignIn() {
  const { signIn, notice, lastUsername } = useSession();
  const login = trpc.auth.login.useMutation();
  const [username, setUsername] = useState(lastUsername ?? '');
  const [password, setPassword] = useState('');
  const [draft] = useState(() => loadTabValue('draft'));
  const passwordRef = useRef<HTMLInputElement>(null);
  useDocumentTitle(`Sign in — ${BASE_TITLE}`);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (login.isPending) return;
    login.mutate(
      { username: username.trim(), password },
      {
        onSuccess: (result) =>
          signIn({ token: result.token, expiresAt: result.expiresAt, user: result.user }),
        // The button was disabled while it waited, which took the focus from the form: give it
        // back where the user types next, so a retry does not start with a hunt for the field.
        onError: () => {
          setPassword('');
          passwordRef.current?.focus();
        },
      },
    );
  };

  const failure = login.error;
  const message =
    failure === null
      ? null
      : errorCode(failure) === 'UNAUTHORIZED' || errorCode(failure) === 'TOO_MANY_REQUESTS'
        ? failure.message
        : errorMessage(failure);

  return (
    <main className="signin">
      <form className="signin__card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="signin__brand">
          <Logo />
          <span>Ogent</span>
        </div>
        <h1 id="signin-title" className="signin__title">
          Sign in
        </h1>
        {notice !== null && (
          <p className="notice notice--warning" role="status">
            {notice}
          </p>
        )}
        <label className="field">
          <span className="field__label">Username</span>
          <input
            name="username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            autoComplete="username"
            autoCapitalize="off"
            spellCheck={false}
            required
            autoFocus={username === ''}
          />
        </label>
        <label className="field">
          <span className="field__label">Password</span>
          <input
            ref={passwordRef}
            name="password"
            aria-describedby={message === null ? undefined : 'signin-error'}
            type="password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            autoComplete="current-password"
            required
            autoFocus={username !== ''}
          />
        </label>
        {message !== null && (
          <p id="signin-error" className="notice notice--error" role="alert">
            {message}
          </p>
        )}
        <button
          type="submit"
          className="button button--primary signin__submit"
          disabled={login.isPending}
        >
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        {draft !== null && (
          <p className="signin__draft">
            Your command is kept: <code>{draft}</code>
          </p>
        )}
      </form>
    </main>
  );
}
