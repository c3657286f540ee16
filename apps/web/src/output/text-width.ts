/** Tab stops, as the terminal's CSS `tab-size`. */
export const TAB_SIZE = 8;

/** Code points drawn two cells wide in a monospace font: CJK, Hangul, fullwidth forms, emoji. */
function wide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Combining marks, drawn over the character before them. */
function combining(code: number): boolean {
  return (
    (code >= 0x0300 && code <= 0x036f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    (code >= 0x20d0 && code <= 0x20ff)
  );
}

/**
 * Cells a row of plain text (escapes already dropped) takes in the terminal's monospace font:
 * tabs to the next stop, wide characters two, combining marks none. Wrapping lays rows out with
 * this, so it is kept simple and close to what terminals do (`wcwidth`) rather than exact for
 * every font.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i += 1) {
    let code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f) {
      width += 1;
      continue;
    }
    if (code === 0x09) {
      width += TAB_SIZE - (width % TAB_SIZE);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i += 1;
      }
    }
    if (combining(code)) continue;
    width += wide(code) ? 2 : 1;
  }
  return width;
}
