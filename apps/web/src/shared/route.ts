import { useSyncExternalStore } from 'react';
import { type LineRange, formatLineRange, parseLineRange } from './line-range';

/**
 * Where the user is: the console, one execution (live or replayed, with lines of its output
 * selected or none), one fleet run (with one of its hosts open or none), or the storage figures
 * (admins).
 */
export type Route =
  | { readonly name: 'console' }
  | { readonly name: 'storage' }
  | { readonly name: 'execution'; readonly id: string; readonly lines?: LineRange }
  | { readonly name: 'run'; readonly id: string; readonly host: string | null };

const EXECUTION = /^#\/executions\/([0-9a-fA-F-]{36})(?:\/(L[^/]*))?$/;
const RUN = /^#\/runs\/([0-9a-fA-F-]{36})(?:\/hosts\/([A-Za-z0-9][A-Za-z0-9._-]{0,63}))?$/;

export function parseRoute(hash: string): Route {
  if (hash === '#/storage') return { name: 'storage' };
  const execution = EXECUTION.exec(hash);
  if (execution?.[1] !== undefined) {
    const id = execution[1].toLowerCase();
    if (execution[2] === undefined) return { name: 'execution', id };
    const lines = parseLineRange(execution[2]);
    return lines === null ? { name: 'console' } : { name: 'execution', id, lines };
  }
  const run = RUN.exec(hash);
  if (run?.[1] !== undefined)
    return { name: 'run', id: run[1].toLowerCase(), host: run[2] ?? null };
  return { name: 'console' };
}

export function routeHref(route: Route): string {
  switch (route.name) {
    case 'console':
      return '#/';
    case 'storage':
      return '#/storage';
    case 'execution':
      return route.lines === undefined
        ? `#/executions/${route.id}`
        : `#/executions/${route.id}/${formatLineRange(route.lines)}`;
    case 'run':
      return route.host === null ? `#/runs/${route.id}` : `#/runs/${route.id}/hosts/${route.host}`;
  }
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
