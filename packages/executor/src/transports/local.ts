import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { ExecutorError } from '../errors.js';
import { type PathOperand, isUnderPrefix, pathRefusalMessage } from '../path-operands.js';
import type { LocalTarget } from '../targets.js';
import { type LocalAccount, resolveLocalAccount } from './local-account.js';
import type { ProcessExit, StartedProcess, Transport } from './types.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The environment a local command gets: nothing of the server's own (secrets live there). */
function localEnvironment(account: LocalAccount): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: account.directory,
    USER: account.username,
    LOGNAME: account.username,
    // The console renders ANSI colours: `ls --color=always` and friends need a terminal type.
    TERM: 'xterm-256color',
  };
}

/**
 * Resolves the path operands where the program will open them (symbolic links followed, `..`
 * applied) and returns argv with the resolved paths. Throws `path_refused` for a path that does
 * not exist or resolves outside its prefixes.
 */
async function resolvePaths(
  argv: readonly string[],
  paths: readonly PathOperand[],
): Promise<string[]> {
  const resolved = [...argv];
  for (const operand of paths) {
    const element = argv[operand.index] ?? '';
    let real: string;
    try {
      // As bytes, decoded strictly: a lossy decode could check one name (U+FFFD) and hand the
      // program another (the bytes of U+FFFD), which a planted link can point anywhere.
      real = STRICT_UTF8.decode(
        await realpath(element.slice(operand.offset), { encoding: 'buffer' }),
      );
    } catch {
      throw new ExecutorError('path_refused', pathRefusalMessage(argv, operand, 'missing'));
    }
    if (!isUnderPrefix(real, operand.prefixes)) {
      throw new ExecutorError('path_refused', pathRefusalMessage(argv, operand, 'outside'));
    }
    resolved[operand.index] = element.slice(0, operand.offset) + real;
  }
  return resolved;
}

/** Says why a spawn failed, rather than Node's bare `spawn FILE ENOENT`. */
function spawnFailure(
  file: string,
  directory: string,
  account: LocalAccount,
  error: NodeJS.ErrnoException,
): string {
  if (error.code === 'ENOENT') {
    if (!existsSync(directory)) {
      return `Could not start ${file}: the working directory ${directory} does not exist.`;
    }
    if (existsSync(file)) {
      return `Could not start ${file}: its interpreter or a library it needs is missing.`;
    }
    return `Could not start ${file}: no such program on this host.`;
  }
  if (error.code === 'EACCES') {
    return `Could not start ${file}: the account ${account.username} may not run it (permission denied).`;
  }
  return `Could not start ${file}: ${error.message}`;
}

/**
 * Runs argv on the server's own host, with no shell: the embedded default target. Each command
 * gets its own process group, so cancelling reaches the children it started. Commands run as
 * the account {@link resolveLocalAccount} chose (never root by accident), in its home directory
 * or `/` when it has none.
 */
export class LocalTransport implements Transport {
  private readonly running = new Set<StartedProcess>();
  /** Who commands run as; decided at start-up, so a bad `user` shows then. */
  readonly account: LocalAccount;

  constructor(target: LocalTarget) {
    this.account = resolveLocalAccount(target);
  }

  async start(
    argv: readonly string[],
    signal: AbortSignal,
    paths: readonly PathOperand[] = [],
  ): Promise<StartedProcess> {
    const [file] = argv;
    if (file === undefined || !file.startsWith('/')) {
      throw new ExecutorError('invalid_argv', 'argv[0] must be an absolute path.');
    }
    if (signal.aborted) throw signal.reason as Error;
    const [, ...args] = paths.length === 0 ? argv : await resolvePaths(argv, paths);
    const { account } = this;

    return new Promise((resolve, reject) => {
      const startedAt = performance.now();
      const child = spawn(file, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: localEnvironment(account),
        cwd: account.directory,
        ...(account.switchUser ? { uid: account.uid, gid: account.gid } : {}),
      });
      let exited = false;
      const exitedPromise = new Promise<ProcessExit>((resolveExit, rejectExit) => {
        child.once('error', (error) => {
          exited = true;
          rejectExit(
            new ExecutorError(
              'spawn_failed',
              spawnFailure(file, account.directory, account, error),
            ),
          );
        });
        // 'close' (not 'exit'): fires after both pipes have been drained.
        child.once('close', (code, signalName) => {
          exited = true;
          resolveExit({ exitCode: code, signal: signalName?.replace(/^SIG/, '') ?? null });
        });
      });
      const started: StartedProcess = {
        startedAt,
        stdout: child.stdout,
        stderr: child.stderr,
        exited: exitedPromise,
        kill: (name) => {
          if (exited || child.pid === undefined) return;
          try {
            process.kill(-child.pid, `SIG${name}`);
          } catch {
            // The group is already gone.
          }
        },
        detach: () => {
          child.stdout.destroy();
          child.stderr.destroy();
        },
      };
      this.running.add(started);
      exitedPromise.then(
        () => this.running.delete(started),
        () => this.running.delete(started),
      );
      child.once('spawn', () => resolve(started));
      exitedPromise.catch(reject);
    });
  }

  async close(): Promise<void> {
    const all = [...this.running];
    for (const started of all) started.kill('KILL');
    await Promise.allSettled(all.map((s) => s.exited));
  }
}
