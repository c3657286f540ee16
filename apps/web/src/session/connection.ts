import { useCallback, useSyncExternalStore } from 'react';
import { useApi } from './api-context';

/** `idle`: no socket needed now; `reconnecting`: the socket dropped and is being reopened. */
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting';

/** The WebSocket's state, for the header's indicator. */
export function useConnectionStatus(): ConnectionStatus {
  const { ws } = useApi();
  const subscribe = useCallback(
    (onChange: () => void) => {
      const subscription = ws.connectionState.subscribe({ next: onChange });
      return () => subscription.unsubscribe();
    },
    [ws],
  );
  const getSnapshot = useCallback((): ConnectionStatus => {
    const state = ws.connectionState.get();
    if (state.state === 'idle') return 'idle';
    if (state.state === 'pending') return 'connected';
    return state.error === null ? 'connecting' : 'reconnecting';
  }, [ws]);
  return useSyncExternalStore(subscribe, getSnapshot);
}
