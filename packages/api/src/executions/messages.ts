import type {
  EndMessage,
  ExecutionOutcome,
  ExecutionRecord,
  OutputChunk,
  OutputMessage,
} from '../domain/execution.js';

/** The largest output message sent: large enough for throughput, small enough to stay smooth. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * How the pieces of a merged message become its `data`: a transport may keep them apart for an
 * encoder that writes them back to back (see the WebSocket's output sink in the server).
 */
export type JoinBytes = (parts: Buffer[], bytes: number) => Uint8Array;

/** Copies the pieces into one buffer: what every reader of a message in this process needs. */
export const joinBytes: JoinBytes = (parts, bytes) =>
  parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, bytes);

/**
 * Merges consecutive chunks of one stream into messages of up to MAX_MESSAGE_BYTES. Each chunk's
 * arrival time stays with its bytes (`times`), so merging loses no timing.
 */
export function toMessages(
  chunks: readonly OutputChunk[],
  join: JoinBytes = joinBytes,
): OutputMessage[] {
  const messages: OutputMessage[] = [];
  let i = 0;
  while (i < chunks.length) {
    const first = chunks[i];
    if (first === undefined) break;
    const parts = [first.data];
    const times: [number, number][] = first.at === null ? [] : [[0, first.at]];
    let bytes = first.data.length;
    let last = first;
    i += 1;
    for (; i < chunks.length; i += 1) {
      const next = chunks[i];
      if (next?.stream !== first.stream || bytes + next.data.length > MAX_MESSAGE_BYTES) break;
      // Only changes are kept: a burst delivered at once costs one pair.
      if (next.at !== null && next.at !== times.at(-1)?.[1]) times.push([bytes, next.at]);
      parts.push(next.data);
      bytes += next.data.length;
      last = next;
    }
    messages.push({
      type: 'output',
      seq: last.seq,
      stream: first.stream,
      data: join(parts, bytes),
      times,
    });
  }
  return messages;
}

/** The final event of an execution from its outcome. */
export function endMessage(
  outcome: Pick<
    ExecutionOutcome,
    | 'exitCode'
    | 'signal'
    | 'error'
    | 'errorCode'
    | 'durationMs'
    | 'outputBytes'
    | 'lastSeq'
    | 'truncated'
  > & {
    status: EndMessage['status'];
  },
): EndMessage {
  return {
    type: 'end',
    seq: outcome.lastSeq + 1,
    status: outcome.status,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    execTime: outcome.durationMs,
    truncated: outcome.truncated,
    outputBytes: outcome.outputBytes,
    error:
      outcome.error === null
        ? null
        : { code: outcome.errorCode ?? 'unknown', message: outcome.error },
  };
}

export function endMessageFromRecord(record: ExecutionRecord): EndMessage {
  return endMessage({
    ...record,
    durationMs: record.durationMs ?? 0,
    status: record.status === 'running' ? 'interrupted' : record.status,
  });
}
