/**
 * A strict reader of asciicast files for tests: it throws on anything the specifications
 * (https://docs.asciinema.org/manual/asciicast/v3/ and .../v2/) do not allow, and returns each
 * event with its time from the start of the recording, in seconds.
 */

export interface CastEvent {
  /** Seconds since the start of the recording (v3: the sum of the intervals so far). */
  readonly time: number;
  readonly code: string;
  readonly data: string;
}

export interface Cast {
  readonly header: Record<string, unknown>;
  readonly events: CastEvent[];
}

const CODES = new Set(['o', 'i', 'm', 'r', 'x']);
/** Non-printable code points must be written as \uXXXX, never raw. */
// eslint-disable-next-line no-control-regex
const RAW_NON_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function fail(line: number, message: string): never {
  throw new Error(`asciicast line ${line}: ${message}`);
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** Parses and checks a recording of the given version; throws naming the first violation. */
export function readCast(text: string, version: 2 | 3): Cast {
  if (!text.endsWith('\n')) fail(0, 'the file does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const first = lines[0] ?? '';
  if (first.startsWith('#')) fail(1, 'the first line must not be a comment');
  const header = JSON.parse(first) as unknown;
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail(1, 'the header is not a JSON object');
  }
  const h = header as Record<string, unknown>;
  if (h.version !== version) fail(1, `version is ${String(h.version)}, not ${version}`);
  if (version === 3) {
    const term = h.term as Record<string, unknown> | undefined;
    if (typeof term !== 'object' || term === null) fail(1, 'term is required');
    if (!isInteger(term.cols) || term.cols <= 0) fail(1, 'term.cols must be a positive integer');
    if (!isInteger(term.rows) || term.rows <= 0) fail(1, 'term.rows must be a positive integer');
    if ('width' in h || 'height' in h) fail(1, 'width/height are v2 attributes');
  } else {
    if (!isInteger(h.width) || h.width <= 0) fail(1, 'width must be a positive integer');
    if (!isInteger(h.height) || h.height <= 0) fail(1, 'height must be a positive integer');
  }
  if ('timestamp' in h && !isInteger(h.timestamp)) fail(1, 'timestamp must be an integer');
  for (const key of ['command', 'title']) {
    if (key in h && typeof h[key] !== 'string') fail(1, `${key} must be a string`);
  }

  const events: CastEvent[] = [];
  let time = 0;
  let exited = false;
  lines.slice(1).forEach((line, i) => {
    const number = i + 2;
    if (line.startsWith('#')) return;
    if (RAW_NON_PRINTABLE.test(line)) fail(number, 'a non-printable character is not escaped');
    const event = JSON.parse(line) as unknown;
    if (!Array.isArray(event) || event.length !== 3) fail(number, 'an event is a 3-element array');
    const [t, code, data] = event as unknown[];
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
      fail(number, 'the time must be a non-negative number');
    }
    if (typeof code !== 'string' || !CODES.has(code)) fail(number, `unknown code ${String(code)}`);
    if (typeof data !== 'string') fail(number, 'the data must be a string');
    if (exited) fail(number, 'an event after the exit event');
    if (code === 'x') {
      if (version === 2) fail(number, 'v2 has no exit event');
      if (!/^\d+$/.test(data))
        fail(number, `the exit status ${JSON.stringify(data)} is not a number`);
      exited = true;
    }
    if (version === 3) time += t;
    else {
      if (t < time) fail(number, 'v2 times go backwards');
      time = t;
    }
    events.push({ time, code, data });
  });
  return { header: h, events };
}
