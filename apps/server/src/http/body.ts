import type { IncomingMessage, ServerResponse } from 'node:http';

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

export const MAX_JSON_BODY = 64 * 1024;

/** Reads a JSON body of at most MAX_JSON_BODY bytes: 413 when larger, 400 when not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'Send a JSON body (Content-Type: application/json).');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_JSON_BODY) {
    req.resume();
    throw new HttpError(413, `The request body is larger than ${MAX_JSON_BODY} bytes.`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    const chunk = part as Buffer;
    size += chunk.length;
    if (size > MAX_JSON_BODY) {
      req.resume();
      throw new HttpError(413, `The request body is larger than ${MAX_JSON_BODY} bytes.`);
    }
    parts.push(chunk);
  }
  if (size === 0) throw new HttpError(400, 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
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
