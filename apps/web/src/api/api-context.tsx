import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, use, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useSession } from '../session/session-context';
import { type ApiClient, createApiClient } from './client';
import { errorCode } from './errors';
import { trpc } from './trpc';

const ApiContext = createContext<ApiClient | null>(null);

/**
 * Makes the API client for the current token, and the query cache. A call answered
 * UNAUTHORIZED means the token is no longer good: the session ends (keeping the typed command)
 * and the user signs in again.
 */
export function ApiProvider({ children }: { children: ReactNode }) {
  const { session, expire } = useSession();
  const token = session?.token ?? null;
  const client = useMemo(() => createApiClient(token, () => expire()), [token, expire]);
  useEffect(
    () => () => {
      void client.close();
    },
    [client],
  );

  const [queryClient] = useState(() => {
    const onError = (error: unknown): void => {
      if (errorCode(error) === 'UNAUTHORIZED') expire();
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
  useEffect(() => () => queryClient.clear(), [queryClient, token]);

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
