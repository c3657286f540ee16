import { useSyncExternalStore } from 'react';

/** Where the user is: the console, or one execution (live or replayed). */
export type Route =
  { readonly name: 'console' } | { readonly name: 'execution'; readonly id: string };

const EXECUTION = /^#\/executions\/([0-9a-fA-F-]{36})$/;

export function parseRoute(hash: string): Route {
  const match = EXECUTION.exec(hash);
  return match?.[1] === undefined
    ? { name: 'console' }
    : { name: 'execution', id: match[1].toLowerCase() };
}

export function routeHref(route: Route): string {
  return route.name === 'execution' ? `#/executions/${route.id}` : '#/';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/**
 * The route lives in the URL's hash, so a reload during a run comes back to it (and reattaches),
 * and an execution can be bookmarked or shared with someone allowed to see it.
 */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash);
  return parseRoute(hash);
}

export function navigate(route: Route): void {
  const href = routeHref(route);
  if (location.hash !== href) location.hash = href;
}
