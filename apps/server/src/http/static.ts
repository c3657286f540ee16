import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import sirv from 'sirv';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves the built web console, with index.html for every client-side route. Hashed assets are
 * cached for a year; index.html is revalidated so a deploy shows up at the next load.
 */
export function staticSite(root: string): Handler {
  if (!existsSync(path.join(root, 'index.html'))) {
    return (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`The web console is not built (no ${root}/index.html). Run: npm run build\n`);
    };
  }
  const serve = sirv(root, {
    single: true,
    etag: true,
    setHeaders: (res, pathname) => {
      if (pathname.startsWith('/assets/'))
        res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      else res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
  return (req, res) => serve(req, res);
}
