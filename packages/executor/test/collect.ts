import { createHash } from 'node:crypto';
import type { ExecEvent, ExitEvent } from '../src/index.js';

export interface Collected {
  stdout: Buffer;
  stderr: Buffer;
  exit: ExitEvent;
  events: ExecEvent[];
}

/** Drains an execution, keeping the two streams apart, and checks that it ends with one exit. */
export async function collect(execution: AsyncIterable<ExecEvent>): Promise<Collected> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const events: ExecEvent[] = [];
  let exit: ExitEvent | undefined;
  for await (const event of execution) {
    if (exit !== undefined) throw new Error('event after the exit event');
    events.push(event);
    if (event.type === 'exit') exit = event;
    else (event.stream === 'stdout' ? stdout : stderr).push(event.data);
  }
  if (exit === undefined) throw new Error('execution ended without an exit event');
  return { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exit, events };
}

/** Counts bytes and hashes stdout without keeping it, for large outputs. */
export async function digest(
  execution: AsyncIterable<ExecEvent>,
): Promise<{ bytes: number; sha256: string; stderr: string; exit: ExitEvent }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let stderr = '';
  for await (const event of execution) {
    if (event.type === 'exit') return { bytes, sha256: hash.digest('hex'), stderr, exit: event };
    if (event.stream === 'stdout') {
      hash.update(event.data);
      bytes += event.data.length;
    } else {
      stderr += event.data.toString();
    }
  }
  throw new Error('execution ended without an exit event');
}
