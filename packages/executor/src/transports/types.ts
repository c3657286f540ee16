import type { Readable } from 'node:stream';
import type { PathOperand } from '../path-operands.js';

export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** A process started by a transport, with its two output streams. */
export interface StartedProcess {
  /** performance.now() when the process was asked to start (not when we learnt it had). */
  readonly startedAt: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /**
   * Settles once the process has exited and all of its output has been read. Rejects with an
   * ExecutorError when the transport failed underneath it (connection lost).
   */
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal to the process's whole process group. */
  kill(signal: 'TERM' | 'KILL'): void;
  /** Stops waiting for the process: used only if it survived KILL. */
  detach(): void;
}

/** Runs an argv somewhere. One per target; owns its connections. */
export interface Transport {
  /**
   * Starts argv (argv[0] an absolute path). The `paths` elements are resolved where the program
   * runs and checked against their prefixes first; the program gets the resolved paths. Rejects
   * with an ExecutorError (`path_refused` when a path is outside its prefixes).
   */
  start(
    argv: readonly string[],
    signal: AbortSignal,
    paths?: readonly PathOperand[],
  ): Promise<StartedProcess>;
  /** Closes idle and active connections; running processes are killed first. */
  close(): Promise<void>;
}
