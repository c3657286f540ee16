import { type OgentClient, createOgentClient } from '@ogent/client';
import { type StoredLogin, readLogin, saveLogin } from './credentials.js';
import { CliError } from './errors.js';

export interface Connection {
  readonly url: string;
  readonly client: OgentClient;
}

/** The server's URL: `OGENT_URL`, else the one signed in to. */
export function serverUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.OGENT_URL?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return normalizeUrl(fromEnv);
  return readLogin(env)?.url ?? null;
}

export function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`not a URL: ${url} (for example: https://ogent.example.com)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`the server URL must start with http:// or https://, not ${url}`);
  }
  return parsed.href.replace(/\/+$/, '');
}

/**
 * A client for the server, with the token from `OGENT_TOKEN` or from `ogent login`. A saved token
 * is sent only to the server it came from, never to another one named by `OGENT_URL`.
 */
export function connect(env: NodeJS.ProcessEnv = process.env, exitCode = 1): Connection {
  const url = serverUrl(env);
  if (url === null) {
    throw new CliError(
      'no server: sign in with `ogent login --url URL`, or set OGENT_URL',
      exitCode,
    );
  }
  const fromEnv = env.OGENT_TOKEN?.trim();
  let token: string;
  if (fromEnv !== undefined && fromEnv !== '') {
    token = fromEnv;
  } else {
    const saved = readLogin(env);
    if (saved?.url !== url) {
      throw new CliError(
        `not signed in to ${url}: run \`ogent login\`, or set OGENT_TOKEN`,
        exitCode,
      );
    }
    if (saved.expiresAt <= Date.now()) {
      throw new CliError(
        `the session with ${url} expired at ${new Date(saved.expiresAt).toISOString()}; sign in again with: ogent login`,
        exitCode,
      );
    }
    token = saved.token;
    if (pastHalfLife(saved)) {
      // An active user stays signed in: the saved token is renewed (within the session's
      // maximum age) while this command runs, for the next one.
      const client = createOgentClient({ url, getToken: () => token });
      void client.trpc.auth.renew.mutate().then(
        (renewed) => {
          token = renewed.token;
          saveLogin({ ...saved, token: renewed.token, expiresAt: renewed.expiresAt }, env);
        },
        () => undefined,
      );
      return { url, client };
    }
  }
  return { url, client: createOgentClient({ url, token }) };
}

/** Whether more than half of a saved token's life has passed since it was saved. */
function pastHalfLife(saved: StoredLogin): boolean {
  if (saved.savedAt === undefined) return false;
  return Date.now() >= saved.savedAt + (saved.expiresAt - saved.savedAt) / 2;
}
