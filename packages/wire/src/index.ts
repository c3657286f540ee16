/**
 * Ogent's WebSocket wire format, shared by the server and every client (Node and browsers, no
 * dependencies).
 *
 * A message whose values include bytes (`Uint8Array`, so also Node's `Buffer`) travels as one
 * binary frame: a version byte, the JSON length (4 bytes, big-endian), the JSON, then the bytes
 * of every attachment back to back. In the JSON each attachment is `{"$bin":[offset,length]}`
 * (offset from the start of the attachments). Output therefore crosses the wire as bytes: never
 * escaped into JSON, never base64, never decoded to text on the server. A message without bytes
 * is a plain JSON text frame, and text frames are always accepted.
 *
 * Plugs into tRPC as the WebSocket encoder on both ends (`experimental_encoder`), together with
 * {@link wireTransformer} so that tRPC keeps `Uint8Array` in its inferred types.
 */

export const WIRE_VERSION = 1;
const HEADER_BYTES = 5;
const BIN_KEY = '$bin';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

/**
 * Bytes in pieces that travel as one attachment: the encoder writes the pieces back to back, so
 * the receiver decodes them as one Uint8Array, and nobody joins (copies) them on the sending side.
 */
export class ByteChain {
  constructor(
    readonly parts: readonly Uint8Array[],
    readonly byteLength: number,
  ) {}
}

/**
 * A copy of `value` with every Uint8Array (and ByteChain) replaced by a reference into `attachments`. Done by
 * hand rather than with a JSON.stringify replacer: JSON.stringify calls Buffer#toJSON (which
 * turns bytes into an array of numbers, slowly) before a replacer sees the value.
 */
function extract(value: unknown, attachments: Uint8Array[], offset: { at: number }): unknown {
  if (value instanceof ByteChain) {
    attachments.push(...value.parts);
    const ref = { [BIN_KEY]: [offset.at, value.byteLength] };
    offset.at += value.byteLength;
    return ref;
  }
  if (value instanceof Uint8Array) {
    attachments.push(value);
    const ref = { [BIN_KEY]: [offset.at, value.byteLength] };
    offset.at += value.byteLength;
    return ref;
  }
  if (Array.isArray(value)) return value.map((item) => extract(item, attachments, offset));
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = extract(item, attachments, offset);
  return out;
}

/** A message's JSON with its attachments taken out, and their total size. */
function serialize(message: unknown): {
  json: string;
  attachments: Uint8Array[];
  attachmentBytes: number;
} {
  const attachments: Uint8Array[] = [];
  const size = { at: 0 };
  const json = JSON.stringify(extract(message, attachments, size));
  if (json === undefined) throw new WireFormatError('message is not serialisable');
  return { json, attachments, attachmentBytes: size.at };
}

/** The header and the JSON, with room for `extra` bytes after them. */
function frameHead(json: string, extra: number): { frame: Uint8Array<ArrayBuffer>; at: number } {
  const jsonBytes = textEncoder.encode(json);
  const frame = new Uint8Array(HEADER_BYTES + jsonBytes.byteLength + extra);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  view.setUint8(0, WIRE_VERSION);
  view.setUint32(1, jsonBytes.byteLength);
  frame.set(jsonBytes, HEADER_BYTES);
  return { frame, at: HEADER_BYTES + jsonBytes.byteLength };
}

/** Serialises a message; returns a string when it carries no bytes. */
export function encodeMessage(message: unknown): string | Uint8Array<ArrayBuffer> {
  const { json, attachments, attachmentBytes } = serialize(message);
  if (attachments.length === 0) return json;
  // One allocation: header, JSON (encoded in place), then the attachments.
  const { frame, at: start } = frameHead(json, attachmentBytes);
  let at = start;
  for (const attachment of attachments) {
    frame.set(attachment, at);
    at += attachment.byteLength;
  }
  return frame;
}

/** The attachments of split heads, until their sender takes them (see encodeMessageSplit). */
const splitAttachments = new WeakMap<Uint8Array, readonly Uint8Array[]>();

/**
 * Like {@link encodeMessage}, but for a sender that can write a message in parts (WebSocket
 * continuation frames) instead of copying the attachments into one buffer: a binary message
 * comes back as its head (the header and the JSON) only, and {@link takeAttachments} gives the
 * attachments that follow it back to back. Head and attachments together are byte for byte what
 * encodeMessage returns, so receivers cannot tell the difference. A head sent alone does not
 * decode (its attachment references point past its end) rather than pass for a message.
 */
export function encodeMessageSplit(message: unknown): string | Uint8Array<ArrayBuffer> {
  const { json, attachments } = serialize(message);
  if (attachments.length === 0) return json;
  const { frame } = frameHead(json, 0);
  splitAttachments.set(frame, attachments);
  return frame;
}

/** The attachments that follow a head from encodeMessageSplit, once; undefined for any other. */
export function takeAttachments(head: Uint8Array): readonly Uint8Array[] | undefined {
  const attachments = splitAttachments.get(head);
  splitAttachments.delete(head);
  return attachments;
}

function isRef(value: unknown): value is Record<typeof BIN_KEY, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && BIN_KEY in value;
}

/** Parses a frame (text or binary). Throws WireFormatError for anything malformed. */
export function decodeMessage(data: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof data === 'string') {
    try {
      return JSON.parse(data);
    } catch (error) {
      throw new WireFormatError(`invalid JSON text frame: ${(error as Error).message}`);
    }
  }
  const frame = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (frame.byteLength < HEADER_BYTES) throw new WireFormatError('binary frame too short');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const version = view.getUint8(0);
  if (version !== WIRE_VERSION) throw new WireFormatError(`unsupported wire version ${version}`);
  const jsonLength = view.getUint32(1);
  const attachmentsStart = HEADER_BYTES + jsonLength;
  if (attachmentsStart > frame.byteLength)
    throw new WireFormatError('JSON length beyond the frame');
  const attachmentBytes = frame.byteLength - attachmentsStart;
  let json: string;
  try {
    json = textDecoder.decode(frame.subarray(HEADER_BYTES, attachmentsStart));
  } catch {
    throw new WireFormatError('JSON part is not valid UTF-8');
  }
  try {
    return JSON.parse(json, (_key, value: unknown) => {
      if (!isRef(value)) return value;
      const ref = value[BIN_KEY];
      const keys = Object.keys(value);
      if (
        keys.length !== 1 ||
        !Array.isArray(ref) ||
        ref.length !== 2 ||
        !ref.every((n) => Number.isSafeInteger(n) && (n as number) >= 0) ||
        (ref[0] as number) + (ref[1] as number) > attachmentBytes
      ) {
        throw new WireFormatError('invalid attachment reference');
      }
      const start = attachmentsStart + (ref[0] as number);
      // A view, not a copy: the frame is not reused by the WebSocket implementations.
      return frame.subarray(start, start + (ref[1] as number));
    }) as unknown;
  } catch (error) {
    if (error instanceof WireFormatError) throw error;
    throw new WireFormatError(`invalid JSON in binary frame: ${(error as Error).message}`);
  }
}

/** tRPC's WebSocket encoder interface (server adapter and client link alike). */
export const wireEncoder = {
  encode: encodeMessage,
  decode: decodeMessage,
};

/**
 * A tRPC data transformer that changes nothing. Configuring one makes tRPC keep the procedures'
 * own output types on the client (`Uint8Array` stays `Uint8Array`) instead of their JSON
 * projection; the bytes themselves are carried by {@link wireEncoder}. Over HTTP every output is
 * plain JSON as before: only WebSocket subscriptions carry bytes.
 */
export const wireTransformer = {
  serialize: (value: unknown): unknown => value,
  deserialize: <T>(value: T): T => value,
};
