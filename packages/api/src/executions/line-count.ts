import type { OutputStreamName } from '@ogent/executor';

const NEWLINE = 0x0a;

/**
 * Counts the lines of an execution's output as it streams in: every newline, plus the last line
 * of each stream when the program left it unterminated (`printf x` is one line). The two streams
 * are counted apart, so a line split across chunks is counted once.
 */
export class LineCounter {
  private newlines = 0;
  private readonly open: Record<OutputStreamName, boolean> = { stdout: false, stderr: false };

  add(stream: OutputStreamName, data: Uint8Array): void {
    if (data.length === 0) return;
    for (let at = data.indexOf(NEWLINE); at !== -1; at = data.indexOf(NEWLINE, at + 1)) {
      this.newlines += 1;
    }
    this.open[stream] = data[data.length - 1] !== NEWLINE;
  }

  get lines(): number {
    return this.newlines + Number(this.open.stdout) + Number(this.open.stderr);
  }
}
