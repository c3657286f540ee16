import { execFileSync } from 'node:child_process';

/**
 * Processes of `user` whose full command line matches `pattern` (pgrep -f), as "PID CMDLINE"
 * lines. Used to prove that cancelling left nothing running on the target.
 */
export function pgrep(user: string, pattern: string): string[] {
  try {
    const out = execFileSync('pgrep', ['-u', user, '-a', '-f', pattern], { encoding: 'utf8' });
    return out.split('\n').filter((line) => line.trim() !== '');
  } catch (error) {
    // pgrep exits 1 when nothing matches.
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

/** Kills what a test deliberately left behind (e.g. after killing sshd under a command). */
export function pkill(user: string, pattern: string): void {
  try {
    execFileSync('pkill', ['-KILL', '-u', user, '-f', pattern], { stdio: 'ignore' });
  } catch {
    // Nothing matched.
  }
}
