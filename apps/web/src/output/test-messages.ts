import type { ExecutionEvent } from '@ogent/client';
import { OutputBuffer } from './output-buffer';

/** Output messages and buffers for the output view's unit tests. */

let seq = 0;

/** An output message of these bytes, numbered after the last one made. */
export function binary(
  bytes: number[],
  stream: 'stdout' | 'stderr' = 'stdout',
  times: readonly (readonly [number, number])[] = [[0, 1_700_000_000_000]],
): ExecutionEvent {
  return { type: 'output', seq: ++seq, stream, data: Uint8Array.from(bytes), times };
}

/** An output message of this text (UTF-8). */
export function out(
  text: string,
  stream: 'stdout' | 'stderr' = 'stdout',
  times?: readonly (readonly [number, number])[],
): ExecutionEvent {
  return binary([...new TextEncoder().encode(text)], stream, times);
}

/** The end of a command that exited 0. */
export function end(): ExecutionEvent {
  return {
    type: 'end',
    seq: ++seq,
    status: 'completed',
    exitCode: 0,
    signal: null,
    execTime: 5,
    truncated: false,
    outputBytes: 0,
    error: null,
  };
}

/** What `seq 1 n` prints, in messages of about 64 KiB, ended. */
export function numberedLines(n: number): OutputBuffer {
  const buffer = new OutputBuffer();
  let text = '';
  for (let i = 1; i <= n; i += 1) {
    text += `${i}\n`;
    if (text.length > 65_000) {
      buffer.push(out(text));
      text = '';
    }
  }
  buffer.push(out(text));
  buffer.push(end());
  return buffer;
}
