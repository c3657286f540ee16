import { spawn } from 'node:child_process';
import { ExecutorError } from '../errors.js';
import type { ProcessExit, StartedProcess, Transport } from './types.js';

/** The environment a local command gets: nothing of the server's own (secrets live there). */
function localEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: process.env.HOME ?? '/',
  };
}

/**
 * Runs argv on the server's own host, with no shell: the embedded default target. Each command
 * gets its own process group, so cancelling reaches the children it started.
 */
export class LocalTransport implements Transport {
  private readonly running = new Set<StartedProcess>();

  start(argv: readonly string[], signal: AbortSignal): Promise<StartedProcess> {
    const [file, ...args] = argv;
    if (file === undefined || !file.startsWith('/')) {
      return Promise.reject(new ExecutorError('invalid_argv', 'argv[0] must be an absolute path.'));
    }
    if (signal.aborted) return Promise.reject(signal.reason as Error);

    return new Promise((resolve, reject) => {
      const startedAt = performance.now();
      const child = spawn(file, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: localEnvironment(),
        cwd: process.env.HOME ?? '/',
      });
      let exited = false;
      const exitedPromise = new Promise<ProcessExit>((resolveExit, rejectExit) => {
        child.once('error', (error) => {
          exited = true;
          rejectExit(
            new ExecutorError('spawn_failed', `Could not start ${file}: ${error.message}`),
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
