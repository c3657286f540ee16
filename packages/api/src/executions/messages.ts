import type {
  EndMessage,
  ExecutionOutcome,
  ExecutionRecord,
  OutputChunk,
  OutputMessage,
} from './types.js';

/** The largest output message sent: large enough for throughput, small enough to stay smooth. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * Merges consecutive chunks of one stream into messages of up to MAX_MESSAGE_BYTES. Each chunk's
 * arrival time stays with its bytes (`times`), so merging loses no timing.
 */
export function toMessages(chunks: readonly OutputChunk[]): OutputMessage[] {
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
      data: parts.length === 1 ? first.data : Buffer.concat(parts, bytes),
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
