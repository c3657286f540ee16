import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteChain,
  WireFormatError,
  decodeMessage,
  encodeMessage,
  encodeMessageSplit,
  takeAttachments,
} from './index.js';

/** JSON values with byte arrays anywhere in them. */
const value = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(
      fc.string().filter((k) => k !== '$bin' && k !== '__proto__'),
      tie('tree'),
      { maxKeys: 4 },
    ),
  ),
})).tree;

describe('wire format', () => {
  it('round-trips any JSON value with bytes in it, bytes unchanged', () => {
    fc.assert(
      fc.property(value, (message) => {
        const decoded = decodeMessage(encodeMessage(message));
        expect(decoded).toEqual(message);
      }),
    );
  });

  it('sends bytes as bytes: a Buffer is not turned into a JSON array', () => {
    const data = Buffer.from('\u0000binary\u00ff and text', 'latin1');
    const frame = encodeMessage({ type: 'output', data });
    expect(frame).toBeInstanceOf(Uint8Array);
    // The frame is the header, a small JSON and the bytes themselves.
    expect((frame as Uint8Array).byteLength).toBeLessThan(data.length + 60);
    const decoded = decodeMessage(frame) as { data: Uint8Array };
    expect(Buffer.from(decoded.data).equals(data)).toBe(true);
  });

  it('an output event keeps its arrival times beside its bytes', () => {
    const data = Buffer.from('before\nafter\n');
    const event = {
      type: 'output',
      seq: 2,
      stream: 'stdout',
      data,
      times: [
        [0, 1_700_000_000_123],
        [7, 1_700_000_001_325],
      ],
    };
    const decoded = decodeMessage(encodeMessage(event)) as typeof event;
    expect(decoded.times).toEqual(event.times);
    expect(Buffer.from(decoded.data).equals(data)).toBe(true);
  });

  it('a message without bytes is a JSON text frame', () => {
    expect(encodeMessage({ a: 1 })).toBe('{"a":1}');
    expect(decodeMessage('{"a":1}')).toEqual({ a: 1 });
  });

  it('accepts frames in an ArrayBuffer or a view into a larger buffer', () => {
    const frame = encodeMessage({ d: new Uint8Array([1, 2, 3]) }) as Uint8Array;
    const padded = new Uint8Array(frame.byteLength + 7);
    padded.set(frame, 5);
    expect(decodeMessage(padded.subarray(5, 5 + frame.byteLength))).toEqual({
      d: new Uint8Array([1, 2, 3]),
    });
    expect(decodeMessage(frame.slice().buffer)).toEqual({ d: new Uint8Array([1, 2, 3]) });
  });

  it.each([
    ['too short', new Uint8Array([1, 0])],
    ['unknown version', new Uint8Array([9, 0, 0, 0, 2, 123, 125])],
    ['JSON length beyond the frame', new Uint8Array([1, 0, 0, 1, 0, 123, 125])],
    ['reference beyond the attachments', frameWith('{"d":{"$bin":[0,10]}}', 3)],
    ['reference with extra keys', frameWith('{"d":{"$bin":[0,1],"x":1}}', 3)],
    ['negative reference', frameWith('{"d":{"$bin":[-1,1]}}', 3)],
    ['non-integer reference', frameWith('{"d":{"$bin":[0.5,1]}}', 3)],
    ['invalid JSON', frameWith('{"d":', 0)],
    [
      'invalid UTF-8 in JSON',
      (() => {
        const f = frameWith('{"a":"x"}', 0);
        f[8] = 0xff;
        return f;
      })(),
    ],
  ])('refuses a malformed frame: %s', (_name, frame) => {
    expect(() => decodeMessage(frame)).toThrow(WireFormatError);
  });

  it('splits a message into its head and its attachments, byte for byte the whole frame', () => {
    fc.assert(
      fc.property(value, (message) => {
        const whole = encodeMessage(message);
        const split = encodeMessageSplit(message);
        if (typeof whole === 'string') {
          expect(split).toBe(whole);
          return;
        }
        const head = split as Uint8Array;
        const joined = Buffer.concat([head, ...(takeAttachments(head) ?? [])]);
        expect(joined.equals(Buffer.from(whole))).toBe(true);
      }),
    );
  });

  it('keeps the attachments themselves in a split frame, uncopied', () => {
    const data = Buffer.from('output bytes');
    const head = encodeMessageSplit({ type: 'output', data }) as Uint8Array;
    // The head alone is not a message: its reference points past its end.
    expect(() => decodeMessage(head)).toThrow(WireFormatError);
    const attachments = takeAttachments(head);
    expect(attachments).toHaveLength(1);
    expect(attachments?.[0]).toBe(data);
    // Taken once: a second sender finds nothing to follow the head.
    expect(takeAttachments(head)).toBeUndefined();
    expect(takeAttachments(new Uint8Array(4))).toBeUndefined();
  });

  it('sends a ByteChain as one attachment, its pieces back to back, decoded as one array', () => {
    const parts = [Buffer.from('one '), Buffer.from(''), Buffer.from('two '), Buffer.from('three')];
    const message = { type: 'output', data: new ByteChain(parts, 13), after: new Uint8Array([9]) };
    const decoded = decodeMessage(encodeMessage(message)) as {
      data: Uint8Array;
      after: Uint8Array;
    };
    expect(Buffer.from(decoded.data).toString()).toBe('one two three');
    expect([...decoded.after]).toEqual([9]);
    const head = encodeMessageSplit(message) as Uint8Array;
    // Split, the pieces themselves follow the head: nothing joined them.
    const sent = takeAttachments(head);
    parts.forEach((part, i) => expect(sent?.[i]).toBe(part));
  });

  it('refuses invalid JSON text', () => {
    expect(() => decodeMessage('{nope')).toThrow(WireFormatError);
  });
});

function frameWith(json: string, attachmentBytes: number): Uint8Array {
  const body = new TextEncoder().encode(json);
  const frame = new Uint8Array(5 + body.length + attachmentBytes);
  new DataView(frame.buffer).setUint32(1, body.length);
  frame[0] = 1;
  frame.set(body, 5);
  return frame;
}
