import { ExecutorError } from './errors.js';

/**
 * Quotes one argument for a POSIX shell: wrapped in single quotes, inside which nothing is
 * special, with each `'` written as `'\''` (close, escaped quote, reopen).
 */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    // A NUL cannot be passed through a shell at all, and in an SSH exec request OpenSSH drops the
    // whole connection. The policy refuses it long before this; this is the last line.
    throw new ExecutorError('invalid_argv', 'An argument contains a NUL byte.');
  }
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Builds the command line for the target's shell by single-quoting every element of argv, so the
 * shell that `ssh exec` always starts passes each element through unchanged and interprets none.
 */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new ExecutorError('invalid_argv', 'argv is empty.');
  return argv.map(quoteArg).join(' ');
}
