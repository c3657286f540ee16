import { isUtf8 } from 'node:buffer';
import type {
  EndMessage,
  ExecutionOutcome,
  ExecutionRecord,
  OutputChunk,
  OutputMessage,
} from './types.js';

/** The largest output message sent: large enough for throughput, small enough to stay smooth. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Merges consecutive chunks of one stream into messages of up to MAX_MESSAGE_BYTES. Text goes as
 * text; bytes that are not valid UTF-8 (or contain NUL) go as base64, so every byte reaches the
 * client unchanged.
 */
export function toMessages(chunks: readonly OutputChunk[]): OutputMessage[] {
  const messages: OutputMessage[] = [];
  let i = 0;
  while (i < chunks.length) {
    const first = chunks[i];
    if (first === undefined) break;
    const parts = [first.data];
    let bytes = first.data.length;
    let last = first;
    i += 1;
    for (; i < chunks.length; i += 1) {
      const next = chunks[i];
      if (next?.stream !== first.stream || bytes + next.data.length > MAX_MESSAGE_BYTES) break;
      parts.push(next.data);
      bytes += next.data.length;
      last = next;
    }
    const data = parts.length === 1 ? first.data : Buffer.concat(parts, bytes);
    // NUL-heavy output (zero-filled data) is binary in all but name: as JSON text each NUL
    // would cost six bytes (\u0000), as base64 four thirds.
    const text = data.indexOf(0) === -1 && isUtf8(data);
    messages.push({
      type: 'output',
      seq: last.seq,
      stream: first.stream,
      data: data.toString(text ? 'utf8' : 'base64'),
      encoding: text ? 'utf8' : 'base64',
    });
  }
  return messages;
}

/** The final event of an execution from its outcome. */
export function endMessage(
  outcome: Pick<
    ExecutionOutcome,
    'exitCode' | 'signal' | 'error' | 'durationMs' | 'outputBytes' | 'lastSeq' | 'truncated'
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
    error: outcome.error,
  };
}

export function endMessageFromRecord(record: ExecutionRecord): EndMessage {
  return endMessage({
    ...record,
    durationMs: record.durationMs ?? 0,
    status: record.status === 'running' ? 'interrupted' : record.status,
  });
}

/** Turns a message's data back into bytes. */
export function messageBytes(message: OutputMessage): Buffer {
  return Buffer.from(message.data, message.encoding);
}
