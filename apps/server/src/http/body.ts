import type { IncomingMessage, ServerResponse } from 'node:http';
import { drainedOrClosed } from './drain.js';

/** A request the client got wrong, with the HTTP status to answer. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Room for a command at the router's limit (1 MiB, the same over every transport) and the rest of
 * a request body.
 */
export const MAX_JSON_BODY = 1024 * 1024 + 64 * 1024;

const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A body too large to read. The connection is closed after the answer, so that a client
 * streaming megabytes stops there instead of the server reading (and discarding) all of it.
 */
function tooLarge(): HttpError {
  return new HttpError(
    413,
    `The request body is larger than ${MAX_JSON_BODY} bytes.`,
    {},
    { connection: 'close' },
  );
}

/**
 * Reads a JSON body of at most MAX_JSON_BODY bytes: 413 when larger, 415 when not declared as
 * JSON, 400 when not UTF-8 or not JSON.
 */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !JSON_CONTENT_TYPE.test(type)) {
    throw new HttpError(415, 'Send a JSON body (Content-Type: application/json).');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_JSON_BODY) throw tooLarge();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    const chunk = part as Buffer;
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw tooLarge();
    parts.push(chunk);
  }
  if (size === 0) throw new HttpError(400, 'The request body is empty; send a JSON object.');
  let text: string;
  try {
    // Not the lenient decoding of Buffer#toString: invalid bytes would become U+FFFD and run.
    text = utf8.decode(Buffer.concat(parts, size));
  } catch {
    throw new HttpError(400, 'The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

/** Reads a JSON body (see {@link readJson}) that must be an object; 400 for anything else. */
export async function readJsonObject(req: IncomingMessage): Promise<object> {
  const body = await readJson(req);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'Invalid request: body: expected a JSON object.');
  }
  return body;
}

/** Resolves once the response can take more (or has closed). */
export function waitForDrain(res: ServerResponse): Promise<void> {
  return res.writableNeedDrain ? drainedOrClosed(res) : Promise.resolve();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
