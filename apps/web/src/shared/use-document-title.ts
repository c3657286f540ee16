import { useEffect } from 'react';

/** The browser tab's title when nothing in particular is open. */
export const BASE_TITLE = 'Ogent';

/**
 * Sets the browser tab's title while the component is shown (null: the base title), and puts the
 * base title back when it goes.
 */
export function useDocumentTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ?? BASE_TITLE;
  }, [title]);
  useEffect(() => () => void (document.title = BASE_TITLE), []);
}
