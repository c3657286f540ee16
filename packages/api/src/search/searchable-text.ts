import type { OutputChunk } from '../domain/execution.js';

/** What search indexes of each output unless the config says otherwise (`search.outputBytes`). */
export const DEFAULT_SEARCH_OUTPUT_BYTES = 64 * 1024;

/**
 * Terminal escape sequences: CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL` or `ESC \`, or to
 * the end when unterminated), DCS/SOS/PM/APC strings, and two-character escapes. Each
 * alternative is a single pass over a character class: no nested quantifiers.
 */
const ESCAPES =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?|\u009b[0-?]*[ -/]*[@-~]/g;

/**
 * Characters that would disturb a snippet or the index: C0 and C1 controls but newline and tab,
 * DEL, bidirectional overrides and isolates, and the private-use characters snippets are marked
 * with.
 */
// eslint-disable-next-line no-control-regex
const UNWANTED = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ue000\ue001]/g;

/**
 * The text search sees of an execution's output: its first `maxBytes` bytes (both streams, in
 * the order they were written), each stream decoded as UTF-8 on its own (a byte that is not
 * UTF-8 becomes U+FFFD; a character cut by the bound is left out), with terminal escape
 * sequences and control characters removed and carriage returns read as line ends. Output of
 * one stream is put on a new line after the other's.
 */
export function searchableText(
  chunks: Iterable<Pick<OutputChunk, 'stream' | 'data'>>,
  maxBytes: number,
): string {
  const decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
  let text = '';
  let left = maxBytes;
  let last: OutputChunk['stream'] | undefined;
  for (const chunk of chunks) {
    if (left <= 0) break;
    const data = chunk.data.length > left ? chunk.data.subarray(0, left) : chunk.data;
    left -= data.length;
    // Streaming: a character split across two chunks of one stream is decoded whole, and one
    // cut by the bound is never flushed.
    const piece = decoders[chunk.stream].decode(data, { stream: true });
    if (last !== undefined && last !== chunk.stream && text !== '' && !text.endsWith('\n')) {
      text += '\n';
    }
    text += piece;
    last = chunk.stream;
  }
  return text
    .replace(ESCAPES, '')
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(UNWANTED, '');
}
