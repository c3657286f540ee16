import type { ExecutionEnd, OutputChunk, Refusal } from '@ogent/client';

/** Where an execution's events go: the terminal's streams as they are, or NDJSON. */
export interface Sink {
  started(executionId: string): Promise<void>;
  output(chunk: OutputChunk): Promise<void>;
  end(end: ExecutionEnd): Promise<void>;
  /** The refusal as `--json` reports it: why, which rule, and the audit record's id. */
  refused(refusal: Pick<Refusal, 'reason' | 'rule' | 'refusalCode' | 'executionId'>): Promise<void>;
}

/**
 * Writes, and waits for the stream to drain when it is full: a slow reader slows the download.
 * A stream whose reader has gone (EPIPE) is not waited for: the error is handled elsewhere.
 */
function write(stream: NodeJS.WriteStream, data: Uint8Array | string): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  if (stream.write(data)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    stream.once('drain', done).once('close', done).once('error', done);
  });
}

/** stdout to stdout and stderr to stderr, byte for byte, as it arrives. */
export function rawSink(): Sink {
  return {
    started: () => Promise.resolve(),
    output: (chunk) =>
      write(chunk.stream === 'stdout' ? process.stdout : process.stderr, chunk.data),
    end: () => Promise.resolve(),
    refused: () => Promise.resolve(),
  };
}

/**
 * One JSON object per line on stdout: `started`, `output` (the bytes in base64, which keeps
 * binary output intact), then `end` (or `refused`).
 */
export function jsonSink(): Sink {
  const line = (value: object): Promise<void> =>
    write(process.stdout, `${JSON.stringify(value)}\n`);
  return {
    started: (executionId) => line({ type: 'started', executionId }),
    output: (chunk) =>
      line({
        type: 'output',
        seq: chunk.seq,
        stream: chunk.stream,
        data: Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength).toString(
          'base64',
        ),
      }),
    end: (end) => line(end),
    refused: (refusal) => line({ type: 'refused', ...refusal }),
  };
}
