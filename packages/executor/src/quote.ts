import { ExecutorError } from './errors.js';

/**
 * One literal word in POSIX shell syntax: wrapped in single quotes, inside which nothing is
 * special, with each `'` written as `'\''` (close, escaped quote, reopen). The one quoting
 * function: the policy's tokenizer reads the same syntax. It never throws; what cannot run
 * (a NUL) is for the caller to refuse.
 */
export function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Quotes one argument for the target's shell, as {@link singleQuoted}; refuses a NUL. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    // A NUL cannot be passed through a shell at all, and in an SSH exec request OpenSSH drops the
    // whole connection. The policy refuses it long before this; this is the last line.
    throw new ExecutorError('invalid_argv', 'An argument contains a NUL byte.');
  }
  return singleQuoted(arg);
}

/**
 * Builds the command line for the target's shell by single-quoting every element of argv, so the
 * shell that `ssh exec` always starts passes each element through unchanged and interprets none.
 */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new ExecutorError('invalid_argv', 'argv is empty.');
  return argv.map(quoteArg).join(' ');
}
