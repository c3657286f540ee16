import { useEffect } from 'react';
import type { ApiClient } from '../api/client';
import { errorCode } from '../api/errors';
import { sessionNotice } from './notices';
import { useSession } from './session-context';

/** What counts as the user being there. */
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * Keeps an active user signed in: once half of the token's life has passed, and the user has
 * done something since it was issued, the token is renewed (`auth.renew`: another `tokenTtl`,
 * never past the session's maximum age). An idle console is not renewed and signs out when its
 * token expires, as before. Tokens of an outside identity provider are not renewed here.
 */
export function useTokenRenewal(client: ApiClient): void {
  const { session, renewed, expire } = useSession();
  const expiresAt = session?.expiresAt;
  const sessionId = session?.user.sessionId ?? null;

  useEffect(() => {
    if (expiresAt === undefined || sessionId === null) return;
    const renewAt = Date.now() + (expiresAt - Date.now()) / 2;
    let active = false;
    let renewing = false;
    let disposed = false;
    const renew = (): void => {
      if (renewing || disposed || Date.now() >= expiresAt) return;
      renewing = true;
      client.trpc.auth.renew.mutate().then(
        (result) => {
          if (!disposed) renewed(result.token, result.expiresAt);
        },
        (error: unknown) => {
          if (disposed) return;
          if (errorCode(error) === 'UNAUTHORIZED') expire(sessionNotice(error));
          // Otherwise (the network) the next sign of activity tries again.
          else renewing = false;
        },
      );
    };
    const onActivity = (): void => {
      active = true;
      if (Date.now() >= renewAt) renew();
    };
    const timer = setTimeout(
      () => {
        if (active) renew();
      },
      Math.max(0, renewAt - Date.now()),
    );
    for (const type of ACTIVITY_EVENTS) {
      window.addEventListener(type, onActivity, { capture: true, passive: true });
    }
    return () => {
      disposed = true;
      clearTimeout(timer);
      for (const type of ACTIVITY_EVENTS) {
        window.removeEventListener(type, onActivity, { capture: true });
      }
    };
  }, [client, expiresAt, sessionId, renewed, expire]);
}
