import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { SESSION_ENDED_CLOSE_CODE } from '@ogent/client';
import {
  createContext,
  use,
  useEffect,
  useLayoutEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { sessionNotice } from './notices';
import { useSession } from './session-context';
import { useTokenRenewal } from './use-token-renewal';
import { type ApiClient, createApiClient } from '../api/client';
import { errorCode } from '../api/errors';
import { trpc } from '../api/trpc';

const ApiContext = createContext<ApiClient | null>(null);

/** The current token, for the client to read outside of rendering. */
class TokenBox {
  constructor(private token: string | null) {}
  get(): string | null {
    return this.token;
  }
  set(token: string | null): void {
    this.token = token;
  }
}

/**
 * Makes the API client for the current session, and the query cache. The client asks for the
 * token at every request, so renewals (useTokenRenewal) do not replace it. A call answered
 * UNAUTHORIZED means the token is no longer good: the session ends (keeping the typed command)
 * and the user signs in again, told why.
 */
export function ApiProvider({ children }: { children: ReactNode }) {
  const { session, expire } = useSession();
  const token = session?.token ?? null;
  // Read by the client at every request; kept current by the effect below.
  const [tokenBox] = useState(() => new TokenBox(token));
  useLayoutEffect(() => tokenBox.set(token), [tokenBox, token]);
  // One client per sign-in: a session id for our own tokens, the token for an outside one.
  const sessionKey = session?.user.sessionId ?? token;
  const client = useMemo(() => {
    const made: ApiClient = createApiClient(
      () => tokenBox.get(),
      (closeCode) => {
        // Signed out elsewhere, ended by an administrator, disabled: the server says which.
        if (closeCode === SESSION_ENDED_CLOSE_CODE) {
          made.trpc.auth.me.query().then(
            () => undefined,
            (error: unknown) => expire(sessionNotice(error)),
          );
        } else expire();
      },
    );
    return made;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- sessionKey stands for the session
  }, [sessionKey, expire, tokenBox]);
  useTokenRenewal(client);
  useEffect(
    () => () => {
      void client.close();
    },
    [client],
  );

  const [queryClient] = useState(() => {
    const onError = (error: unknown): void => {
      if (errorCode(error) === 'UNAUTHORIZED') expire(sessionNotice(error));
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: {
        queries: {
          // Errors the server answered (bad input, not found, ...) do not get better by retrying.
          retry: (failures, error) => errorCode(error) === null && failures < 2,
          refetchOnWindowFocus: false,
          staleTime: 5_000,
        },
      },
    });
  });
  // What one user fetched is not shown to the next.
  useEffect(() => () => queryClient.clear(), [queryClient, sessionKey]);

  return (
    <ApiContext value={client}>
      <trpc.Provider client={client.trpc} queryClient={queryClient}>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </trpc.Provider>
    </ApiContext>
  );
}

export function useApi(): ApiClient {
  const client = use(ApiContext);
  if (client === null) throw new Error('useApi outside ApiProvider');
  return client;
}
