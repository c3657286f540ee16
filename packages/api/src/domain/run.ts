import type { ExecutionError, ExecutionState } from './execution.js';
import type { HostStatus, RunStatus } from '../contract.js';

// The statuses are the contract's: clients import the same constants from @ogent/client.
export {
  FINAL_HOST_STATUSES,
  HOST_STATUSES,
  RUN_STATUSES,
  type HostStatus,
  type RunStatus,
} from '../contract.js';

/** A batch size: a number of hosts, or a share of all of them (`"10%"`). */
export type BatchSize = number | `${number}%`;

/** How a run proceeds; every field has a default (see the config's `runs` section). */
export interface RunOptions {
  /** Hosts running at once (a sliding window). */
  readonly concurrency: number;
  /**
   * Rolling batches: each starts when the one before has ended, and the failure policy is
   * checked in between. The last size repeats; empty: one batch of everything.
   */
  readonly batches: readonly BatchSize[];
  /** Wall-clock limit per host, in milliseconds (at most the config's `limits.timeoutMs`). */
  readonly hostTimeoutMs: number;
  /** Stop after this many failed hosts (null: never). */
  readonly maxFailures: number | null;
  /** Stop once this share of all hosts has failed, in percent (null: never). */
  readonly maxFailurePercent: number | null;
  /**
   * What a stop (failure policy) does to hosts still running: `finish` lets them end, `cancel`
   * cancels them. Hosts not started are skipped either way.
   */
  readonly onFailure: 'finish' | 'cancel';
}

/** How many hosts are in each status. */
export interface RunSummary {
  readonly total: number;
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly refused: number;
  readonly cancelled: number;
  readonly skipped: number;
}

/** One host of a run. */
export interface RunHost {
  /** The target's id. */
  readonly target: string;
  /** Order in the run (batches and the window follow it). */
  readonly position: number;
  readonly status: HostStatus;
  /** Its execution (the ordinary audit record), once admitted or refused. */
  readonly executionId: string | null;
  /** The execution's own status, once it ended. */
  readonly executionStatus: Exclude<ExecutionState, 'running'> | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Milliseconds the command ran. */
  readonly execTime: number | null;
  readonly error: ExecutionError | null;
  readonly outputBytes: number;
  /**
   * The output's digest, hex: SHA-256 over the SHA-256 of stdout and that of stderr (so equal
   * streams group together however they interleaved); null until it ended.
   */
  readonly outputSha256: string | null;
  /** The instance that ran it (cluster mode). */
  readonly instance: string | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Progress number of the last change to this host (see `runs.onProgress`). */
  readonly version: number;
}

/** A run: one command on many targets, one execution per target. */
export interface RunRecord {
  readonly id: string;
  readonly username: string;
  /** The user's roles when the run started: every host is admitted with these. */
  readonly roles: readonly string[];
  /** The command as typed. */
  readonly command: string;
  /** The selector given, if any. */
  readonly selector: string | null;
  /** The target ids given, if any. */
  readonly requestedTargets: readonly string[] | null;
  readonly options: RunOptions;
  readonly status: RunStatus;
  /** Whether it was stopped early, and how: a cancel or the failure policy. */
  readonly stop: 'cancel' | 'failures' | null;
  /** Why it stopped early, for people; null otherwise. */
  readonly stopReason: string | null;
  /** The run this one retries. */
  readonly retryOf: string | null;
  readonly source: 'trpc' | 'http';
  readonly createdAt: number;
  readonly finishedAt: number | null;
  /** Progress number of the last change (see `runs.onProgress`). */
  readonly version: number;
  readonly total: number;
}

/**
 * Hosts that ended alike: same status, exit code, output (as `clush -b` folds them) and, for
 * failures, the same cause.
 */
export interface RunGroup {
  /** Target ids, in run order. */
  readonly targets: readonly string[];
  /** The targets folded: `web-[01-12],db-1`. */
  readonly label: string;
  readonly status: HostStatus;
  readonly exitCode: number | null;
  readonly outputSha256: string | null;
  /** The failure's code (`connect_failed`, `host_key_mismatch`, ...), or null. */
  readonly errorCode: string | null;
  /** The first host's output (UTF-8, cut at the sample size). */
  readonly sample: string;
  readonly sampleTruncated: boolean;
  /** The target whose output is the sample. */
  readonly sampleTarget: string;
}

/** A run with every host, its summary and its groups. */
export interface RunView extends RunRecord {
  readonly summary: RunSummary;
  readonly hosts: readonly RunHost[];
  readonly groups: readonly RunGroup[];
}

/** A run in a list: the record and its summary. */
export interface RunListItem extends RunRecord {
  readonly summary: RunSummary;
}

/**
 * A `runs.onProgress` event: the hosts that changed since the last event (each in its latest
 * state), with the summary after those changes; then one `end`. `seq` is the progress number of
 * the last change included: resume after it.
 */
export type RunProgressEvent =
  | {
      readonly type: 'hosts';
      readonly seq: number;
      readonly status: RunStatus;
      readonly hosts: readonly RunHost[];
      readonly summary: RunSummary;
    }
  | {
      readonly type: 'end';
      readonly seq: number;
      readonly status: Exclude<RunStatus, 'running'>;
      readonly stopReason: string | null;
      readonly summary: RunSummary;
    };

/** Per target, whether a run would reach it and whether the caller's roles allow the command. */
export interface PreviewTarget {
  readonly id: string;
  readonly label: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The caller's roles allow this command here (or, with no command, some command). */
  readonly allowed: boolean;
  /** The rule that refused, the code and the reason, when not allowed. */
  readonly rule: string | null;
  readonly code: string | null;
  readonly reason: string | null;
}
