import { constants } from 'node:os';
import type { ArrivalTimes, ExecutionRecord } from '@ogent/api';

/**
 * asciicast recordings of executions (https://docs.asciinema.org/manual/asciicast/v3/): v3, the
 * current format, whose event times are intervals from the previous event and which ends with an
 * exit event; and v2 (absolute times since the start, no exit event), the newest that Debian's
 * asciinema 2.2 plays.
 */
export type CastVersion = 2 | 3;

/** The terminal a recording says it was made on: the output carries no size of its own. */
export const CAST_COLS = 120;
export const CAST_ROWS = 40;

export interface CastInfo {
  readonly version: CastVersion;
  /** When the recording starts (ms since the epoch): the execution's creation. */
  readonly startedAt: number;
  readonly command: string;
  readonly title: string;
}

/** A piece of output as the watcher sends it. */
export interface CastOutput {
  readonly stream: 'stdout' | 'stderr';
  readonly data: Uint8Array;
  readonly times: ArrivalTimes;
}

/**
 * JSON.stringify escapes C0 controls, quotes and backslashes; the format also wants the other
 * non-printable code points as \uXXXX: DEL, the C1 controls and the Unicode line separators.
 */
const NON_PRINTABLE = /[\u007f-\u009f\u2028\u2029]/g;

/** JSON with every non-printable code point escaped. */
function json(value: unknown): string {
  return JSON.stringify(value).replace(
    NON_PRINTABLE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Milliseconds as seconds with millisecond precision (what asciinema writes). */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Turns an execution's output messages into a recording's lines, one message at a time, so that
 * a 50 MB output streams through in pieces. Each event is timed by its bytes' arrival; bytes
 * whose time is unknown (stored before times were kept) take the previous event's, so they
 * replay at once instead of at a made-up pace. Times never go backwards. Both streams are output
 * events (a terminal shows both); each is decoded on its own, so a character split between
 * chunks stays whole. Like a terminal's `onlcr`, every `\n` is written as `\r\n`: the output did
 * not pass through a pty, and a player, being a terminal, would otherwise staircase the lines.
 */
export class CastEncoder {
  private readonly decoders = {
    stdout: new TextDecoder('utf-8'),
    stderr: new TextDecoder('utf-8'),
  };
  /** Time of the last event written (ms since the epoch). */
  private last: number;

  constructor(private readonly info: CastInfo) {
    this.last = info.startedAt;
  }

  /** The header line. */
  header(): string {
    const { version, startedAt, command, title } = this.info;
    const timestamp = Math.floor(startedAt / 1000);
    const header =
      version === 3
        ? { version, term: { cols: CAST_COLS, rows: CAST_ROWS }, timestamp, command, title }
        : { version, width: CAST_COLS, height: CAST_ROWS, timestamp, command, title };
    return `${json(header)}\n`;
  }

  /** The output events of one message (none while a split character waits for its rest). */
  output(message: CastOutput): string {
    const { times, data } = message;
    let lines = '';
    // Bytes before the first pair (all of them without times) have no time of their own.
    const firstOffset = times[0]?.[0] ?? data.byteLength;
    if (firstOffset > 0) lines += this.event(message.stream, data.subarray(0, firstOffset), null);
    times.forEach(([offset, at], i) => {
      const end = times[i + 1]?.[0] ?? data.byteLength;
      lines += this.event(message.stream, data.subarray(offset, end), at);
    });
    return lines;
  }

  /**
   * The end: whatever bytes the decoders still hold, then (v3) the exit event at `at` with the
   * exit status.
   */
  exit(status: number, at: number): string {
    let lines = '';
    for (const stream of ['stdout', 'stderr'] as const) {
      lines += this.line(this.last, 'o', this.decoders[stream].decode());
    }
    if (this.info.version === 2) return lines;
    return lines + this.line(Math.max(this.last, at), 'x', String(status));
  }

  private event(stream: 'stdout' | 'stderr', bytes: Uint8Array, at: number | null): string {
    if (bytes.byteLength === 0) return '';
    const text = this.decoders[stream].decode(bytes, { stream: true });
    return this.line(at === null ? this.last : Math.max(this.last, at), 'o', text);
  }

  private line(at: number, code: 'o' | 'x', text: string): string {
    if (text === '') return '';
    const data = code === 'o' ? text.replaceAll('\n', '\r\n') : text;
    const time = this.info.version === 3 ? at - this.last : at - this.info.startedAt;
    this.last = at;
    return `[${seconds(time)}, "${code}", ${json(data)}]\n`;
  }
}

/**
 * The exit status a recording ends with: the exit code; for a program killed by a signal, 128
 * plus its number, as a shell reports it; 1 for one that never exited with a status of its own
 * (it could not start, or the server stopped while it ran).
 */
export function castExitStatus(record: Pick<ExecutionRecord, 'exitCode' | 'signal'>): number {
  if (record.exitCode !== null) return record.exitCode;
  const signals = constants.signals as Record<string, number | undefined>;
  const number = record.signal === null ? undefined : signals[`SIG${record.signal}`];
  return number === undefined ? 1 : 128 + number;
}
