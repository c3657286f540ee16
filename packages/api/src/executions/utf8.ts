/** Bytes a UTF-8 sequence has, given its lead byte; 0 for a continuation or invalid byte. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Cuts a byte stream into chunks that never split a UTF-8 character: an incomplete sequence at
 * the end of a chunk is held back (at most 3 bytes) and put in front of the next one. Stored
 * chunks of text output are then each valid UTF-8 and can be sent as text, not base64. Bytes are
 * never changed or dropped: concatenating every chunk (and `flush()`) gives the input back.
 */
export class Utf8Aligner {
  private pending: Buffer | undefined;

  push(data: Buffer): Buffer {
    const buf = this.pending === undefined ? data : Buffer.concat([this.pending, data]);
    this.pending = undefined;
    const cut = completeLength(buf);
    if (cut < buf.length) this.pending = buf.subarray(cut);
    return buf.subarray(0, cut);
  }

  /** What is held back, at the end of the stream. */
  flush(): Buffer | undefined {
    const rest = this.pending;
    this.pending = undefined;
    return rest;
  }
}

/** Length of the prefix of buf that does not end inside a UTF-8 sequence. */
function completeLength(buf: Buffer): number {
  const end = buf.length;
  for (let back = 1; back <= Math.min(4, end); back += 1) {
    const byte = buf[end - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation: keep looking for the lead
    const needed = sequenceLength(byte);
    return needed > back ? end - back : end;
  }
  return end;
}
