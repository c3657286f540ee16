import { TokenRejectedError, errorCode, isOgentApiError } from '@ogent/client';

/** Exit statuses of the command itself (a remote command's own status passes through). */
export const EXIT = {
  /** A usage error: unknown option, missing argument. */
  usage: 2,
  /** `timeout(1)`'s status for a command stopped at its deadline. */
  timedOut: 124,
  /** The policy refused the command: nothing ran (the shell's status for "cannot execute"). */
  refused: 126,
  /** Ctrl+C. */
  interrupted: 130,
  /** Nothing could be run or watched to its end, as `ssh` answers when it cannot connect. */
  failed: 255,
} as const;

/** An error meant for the user: its message is the whole story, on one line. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

/** Walks an error's causes: a failed fetch hides the reason (ECONNREFUSED, ...) in them. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 8;) {
    chain.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return chain;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function networkCode(error: unknown): string | null {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return null;
}

/** One line that says what went wrong, for any error: never a stack trace. */
export function describeError(error: unknown, serverUrl?: string): string {
  if (error instanceof CliError || error instanceof TokenRejectedError) return error.message;
  const where = serverUrl === undefined ? 'the Ogent server' : `the Ogent server at ${serverUrl}`;
  const network = networkCode(error);
  if (network !== null) return `cannot reach ${where} (${network})`;
  if (isOgentApiError(error)) {
    const code = errorCode(error);
    const message = oneLine(error.message).replace(/\.$/, '');
    if (code === 'UNAUTHORIZED') return `${message}; sign in again with: ogent login`;
    if (code === 'BAD_REQUEST' && error.data?.issues) {
      return error.data.issues
        .map((i) => `${i.path === '' ? '' : `${i.path}: `}${i.message}`)
        .join('; ');
    }
    if (code === null) {
      // No tRPC error shape: the server was not reached, or what answered is not Ogent's API.
      const deepest = causes(error).at(-1);
      return /fetch|network|socket/i.test(error.message)
        ? `cannot reach ${where} (${oneLine(deepest instanceof Error ? deepest.message : message)})`
        : `${serverUrl ?? 'the server'} did not answer as an Ogent server (${message})`;
    }
    return message;
  }
  return error instanceof Error ? oneLine(error.message) : oneLine(String(error));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
