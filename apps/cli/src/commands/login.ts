import os from 'node:os';
import { createOgentClient, errorCode } from '@ogent/client';
import { read } from 'read';
import { z } from 'zod';
import { normalizeUrl, serverUrl } from '../connection.js';
import { readLogin, removeLogin, saveLogin } from '../credentials.js';
import { CliError, describeError } from '../errors.js';

export const loginOptionsSchema = z.object({
  url: z.string().optional(),
  username: z.string().optional(),
  passwordStdin: z.boolean().default(false),
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * `ogent login`: asks for the password without echoing it (or reads it from stdin with
 * `--password-stdin`), signs in and keeps the token for later commands.
 */
export async function loginCommand(options: z.infer<typeof loginOptionsSchema>): Promise<number> {
  const url = options.url === undefined ? serverUrl() : normalizeUrl(options.url);
  if (url === null) throw new CliError('which server? give it with --url URL (or set OGENT_URL)');
  const interactive = process.stdin.isTTY === true;
  if (!interactive && !options.passwordStdin) {
    throw new CliError('no terminal to ask for the password: pass it with --password-stdin');
  }
  const ask = (prompt: string, silent: boolean, fallback?: string): Promise<string> =>
    read({
      prompt,
      silent,
      replace: '',
      output: process.stderr,
      ...(fallback === undefined ? {} : { default: fallback }),
    });
  const username =
    options.username ??
    (interactive ? await ask('Username:', false, os.userInfo().username) : undefined);
  if (username === undefined || username === '') {
    throw new CliError('no username: give it with --username NAME');
  }
  const password = options.passwordStdin ? await readStdin() : await ask('Password:', true);
  if (password === '') throw new CliError('no password given');

  const client = createOgentClient({ url });
  try {
    const result = await client.trpc.auth.login.mutate({ username, password });
    const file = saveLogin({ url, username, token: result.token, expiresAt: result.expiresAt });
    process.stderr.write(
      `Signed in to ${url} as ${result.user.username} until ${new Date(result.expiresAt).toISOString()}; token saved in ${file}\n`,
    );
    return 0;
  } catch (error) {
    // A refused sign-in says why (wrong password, too many attempts) and nothing else.
    const refused = errorCode(error) === 'UNAUTHORIZED' || errorCode(error) === 'TOO_MANY_REQUESTS';
    throw new CliError(refused ? (error as Error).message : describeError(error, url));
  } finally {
    await client.close();
  }
}

/** How long `ogent logout` waits for the server to end the session. */
const LOGOUT_WAIT_MS = 5_000;

/**
 * `ogent logout`: ends the session on the server (its token is refused from then on, wherever it
 * was copied), then forgets the saved token. An unreachable server does not keep the token here.
 */
export async function logoutCommand(): Promise<number> {
  const saved = readLogin();
  if (saved === null) {
    process.stderr.write('Not signed in\n');
    return 0;
  }
  let ended = false;
  if (saved.expiresAt > Date.now()) {
    const client = createOgentClient({ url: saved.url, token: saved.token });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, LOGOUT_WAIT_MS).unref());
    await Promise.race([
      client.trpc.auth.logout.mutate().then(
        () => {
          ended = true;
        },
        () => undefined,
      ),
      timeout,
    ]);
    await client.close();
  }
  removeLogin();
  process.stderr.write(
    ended || saved.expiresAt <= Date.now()
      ? `Signed out of ${saved.url}\n`
      : `Signed out here; ${saved.url} could not be told, so the token stays valid until ${new Date(saved.expiresAt).toISOString()}\n`,
  );
  return 0;
}
