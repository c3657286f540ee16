import { type Hash, createHash } from 'node:crypto';
import type { OutputStreamName } from '@ogent/executor';

/**
 * The digest of an execution's output, computed as it streams: SHA-256 over the SHA-256 of
 * stdout and that of stderr, so that hosts printing the same on each stream compare equal however
 * the two interleaved (a fleet run groups its hosts by it).
 */
export class OutputDigest {
  private readonly streams: Record<OutputStreamName, Hash> = {
    stdout: createHash('sha256'),
    stderr: createHash('sha256'),
  };

  add(stream: OutputStreamName, data: Uint8Array): void {
    this.streams[stream].update(data);
  }

  /** The digest, hex. Call once, after the last chunk. */
  digest(): string {
    return combine(this.streams.stdout.digest('hex'), this.streams.stderr.digest('hex'));
  }
}

function combine(stdout: string, stderr: string): string {
  return createHash('sha256').update(`stdout ${stdout}\nstderr ${stderr}\n`).digest('hex');
}

/** The digest of no output at all (a refused or never started execution). */
export const EMPTY_OUTPUT_SHA256 = new OutputDigest().digest();
