import { useCallback, useSyncExternalStore } from 'react';

/** Runs shorter than this end while the user is still looking: no notification for them. */
export const NOTIFY_AFTER_MS = 10_000;

const KEY = 'ogent.view.notify';

/** Where a toggle stands: `blocked` when the browser (or the user, there) denied permission. */
export type NotificationsState = 'unsupported' | 'off' | 'on' | 'blocked';

const listeners = new Set<() => void>();

function supported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

function stored(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

function store(on: boolean): void {
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // Storage disabled: the choice lasts as long as the page.
  }
  for (const listener of listeners) listener();
}

/**
 * Whether a run's end notifies: the user turned it on here, and the browser allows it. A
 * permission revoked in the browser's settings turns it off without a word from the page.
 */
export function notificationsState(): NotificationsState {
  if (!supported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return stored() && Notification.permission === 'granted' ? 'on' : 'off';
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The opt-in for desktop notifications: off until the user turns it on, and the browser is asked
 * for permission only then (never on page load), as browsers ask sites to.
 */
export function useNotifications(): {
  readonly state: NotificationsState;
  /** Turns them on (asking the browser first) or off; resolves to where they then stand. */
  readonly toggle: () => Promise<NotificationsState>;
} {
  const state = useSyncExternalStore(subscribe, notificationsState, () => 'unsupported' as const);
  const toggle = useCallback(async (): Promise<NotificationsState> => {
    if (!supported()) return 'unsupported';
    if (notificationsState() === 'on') {
      store(false);
      return notificationsState();
    }
    const permission =
      Notification.permission === 'default'
        ? await Notification.requestPermission()
        : Notification.permission;
    store(permission === 'granted');
    return notificationsState();
  }, []);
  return { state, toggle };
}

/**
 * Tells the user, away in another tab or window, that a long command ended. Clicking the
 * notification brings them back to this tab. Some browsers (Chrome on Android) only notify from a
 * service worker and throw here: the page simply does not notify there.
 */
export function notifyEnd(title: string, body: string, tag: string): void {
  if (notificationsState() !== 'on') return;
  try {
    const notification = new Notification(title, { body, tag });
    notification.addEventListener('click', () => {
      window.focus();
      notification.close();
    });
  } catch {
    // No page notifications in this browser.
  }
}
