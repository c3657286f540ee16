import { readFileSync } from 'node:fs';
import { type Readable, pipeline } from 'node:stream';
// ssh2 is CommonJS: Node's ESM loader exposes `Client` by name but not `utils`.
import ssh2 from 'ssh2';
import { ExecutorError } from '../../errors.js';
import { quoteArgv } from '../../quote.js';
import type { SshTarget } from '../../targets.js';
import { type PathOperand, pathRefusalMessage } from '../../path-operands.js';
import type { ProcessExit, StartedProcess, Transport } from '../types.js';
import {
  GUARD_REFUSED_STATUS,
  GuardRefusalFilter,
  guardNonce,
  guardedCommandLine,
} from './path-guard.js';
import { defined } from '../../defined.js';
import { type SshCredentials, SshPool } from './pool.js';

/**
 * The line sent in the exec request. `ssh exec` always runs the target user's login shell with
 * `-c LINE`, so every argv element is single-quoted and the shell interprets none of them.
 * `exec` replaces that shell with the program, which then leads the session's process group that
 * sshd signals on cancel. Standard input comes from /dev/null so that a program that reads it
 * ends instead of waiting; our side of the channel stays open, because OpenSSH only forwards a
 * signal while the channel is still open for writing.
 */
export function remoteCommandLine(argv: readonly string[]): string {
  return `exec ${quoteArgv(argv)} </dev/null`;
}

function loadCredentials(target: SshTarget): SshCredentials {
  let privateKey: Buffer | string | undefined = target.privateKey;
  if (privateKey === undefined && target.privateKeyPath !== undefined) {
    try {
      privateKey = readFileSync(target.privateKeyPath);
    } catch (error) {
      throw new ExecutorError(
        'auth_failed',
        `Cannot read the private key of target ${target.id} at ${target.privateKeyPath}: ` +
          (error as Error).message,
        { cause: error },
      );
    }
  }
  if (privateKey !== undefined) {
    // Parsed now, so a wrong passphrase or a damaged key shows at start-up, not per execution.
    const parsed = ssh2.utils.parseKey(privateKey, target.passphrase);
    if (parsed instanceof Error) {
      throw new ExecutorError(
        'auth_failed',
        `Cannot use the private key of target ${target.id}: ${parsed.message}`,
        { cause: parsed },
      );
    }
  }
  return defined({ privateKey, passphrase: target.passphrase, agent: target.agent });
}

/** Runs argv on an SSH target over pooled ssh2 connections. */
export class SshTransport implements Transport {
  readonly pool: SshPool;

  /** Reads the key file now, so a missing or unreadable key is reported at start-up. */
  constructor(private readonly target: SshTarget) {
    this.pool = new SshPool(target, loadCredentials(target));
  }

  async start(
    argv: readonly string[],
    signal: AbortSignal,
    paths: readonly PathOperand[] = [],
  ): Promise<StartedProcess> {
    const nonce = paths.length > 0 ? guardNonce() : '';
    const line =
      paths.length > 0 ? guardedCommandLine(argv, paths, nonce) : remoteCommandLine(argv);
    const { channel, connection, requestedAt } = await this.pool.exec(line, signal);
    let detached = false;
    // Only a guarded command can print a refusal; others keep stderr as ssh2 gives it.
    const filter = paths.length > 0 ? new GuardRefusalFilter(nonce) : undefined;
    const stderr: Readable =
      filter === undefined ? channel.stderr : pipeline(channel.stderr, filter, () => undefined);

    // The exit status travels in the arguments of 'close' (ssh2 keeps it for that): an 'exit'
    // listener attached here could miss it, since a fast program's exit status can arrive in
    // the same read as the reply that opened the channel, before this code runs.
    // 'close', not 'exit', also because ssh2 emits it once stdout has ended; stderr ends on its
    // own, so both are awaited before the output counts as complete.
    const stderrClosed = new Promise<void>((resolve) => stderr.once('close', resolve));
    const channelClosed = new Promise<ProcessExit | undefined>((resolve) =>
      channel.once('close', (code?: number | null, signalName?: string) => {
        if (typeof code === 'number') resolve({ exitCode: code, signal: null });
        else if (code === null)
          resolve({ exitCode: null, signal: signalName?.replace(/^SIG/, '') ?? null });
        else resolve(undefined);
      }),
    );
    const exited = Promise.all([channelClosed, stderrClosed]).then(([exit]): ProcessExit => {
      const refusal = filter?.refusal;
      if (refusal !== undefined && exit?.exitCode === GUARD_REFUSED_STATUS) {
        throw new ExecutorError(
          'path_refused',
          pathRefusalMessage(argv, paths[refusal.path], refusal.kind),
        );
      }
      if (exit !== undefined) return exit;
      if (connection.state === 'closed') {
        throw new ExecutorError(
          'connection_lost',
          `Lost the connection to target ${this.target.id}` +
            (connection.lostReason === undefined ? '.' : `: ${connection.lostReason}.`),
        );
      }
      if (detached) return { exitCode: null, signal: null };
      throw new ExecutorError(
        'channel_failed',
        `Target ${this.target.id} closed the session without an exit status.`,
      );
    });

    return {
      startedAt: requestedAt,
      stdout: channel,
      stderr,
      exited,
      kill: (name) => channel.signal(name),
      detach: () => {
        detached = true;
        channel.close();
      },
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
