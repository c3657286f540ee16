/**
 * ANSI escape sequences in command output: SGR (colours, bold, ...) is applied, everything else
 * (cursor movement, OSC titles and links, charset switches) is dropped, since the console shows
 * a log of lines rather than emulating a screen.
 *
 * A state is immutable, so rows can share it and it can be stored once per change.
 */

/** Colour: -1 the default, 0-255 the xterm palette, or TRUECOLOR | 0xRRGGBB. */
export type Colour = number;
export const TRUECOLOR = 0x1000000;

export const BOLD = 1;
export const DIM = 2;
export const ITALIC = 4;
export const UNDERLINE = 8;
export const INVERSE = 16;
export const HIDDEN = 32;
export const STRIKE = 64;

export interface SgrState {
  readonly fg: Colour;
  readonly bg: Colour;
  /** BOLD | DIM | ... */
  readonly flags: number;
}

export const DEFAULT_SGR: SgrState = Object.freeze({ fg: -1, bg: -1, flags: 0 });

export function sameSgr(a: SgrState, b: SgrState): boolean {
  return a === b || (a.fg === b.fg && a.bg === b.bg && a.flags === b.flags);
}

export function isDefaultSgr(state: SgrState): boolean {
  return sameSgr(state, DEFAULT_SGR);
}

/** A run of text drawn in one state. */
export interface Segment {
  readonly text: string;
  readonly state: SgrState;
}

const ESC = '\x1b';
const BEL = '\x07';

function byte(n: number | undefined): number {
  return n === undefined || !Number.isFinite(n) ? 0 : Math.max(0, Math.min(255, n));
}

/**
 * Reads an extended colour (`38;5;N`, `38;2;R;G;B`, or the colon forms `38:5:N`,
 * `38:2::R:G:B`). Returns the colour (or undefined when malformed) and how many of `params`
 * after the introducer were consumed.
 */
function extendedColour(params: readonly number[], at: number): [Colour | undefined, number] {
  const kind = params[at];
  if (kind === 5) {
    const n = params[at + 1];
    return [n === undefined ? undefined : byte(n), 2];
  }
  if (kind === 2) {
    if (at + 3 >= params.length) return [undefined, params.length - at];
    const rgb = (byte(params[at + 1]) << 16) | (byte(params[at + 2]) << 8) | byte(params[at + 3]);
    return [TRUECOLOR | rgb, 4];
  }
  return [undefined, 1];
}

function colonColour(sub: readonly string[]): Colour | undefined {
  const kind = Number(sub[1]);
  if (kind === 5) return sub[2] === undefined ? undefined : byte(Number(sub[2]));
  if (kind === 2) {
    // `38:2:R:G:B` or, per ITU T.416, `38:2:COLOURSPACE:R:G:B`.
    const rgb = sub.length >= 6 ? sub.slice(3, 6) : sub.slice(2, 5);
    if (rgb.length < 3) return undefined;
    return (
      TRUECOLOR | (byte(Number(rgb[0])) << 16) | (byte(Number(rgb[1])) << 8) | byte(Number(rgb[2]))
    );
  }
  return undefined;
}

/** Applies the parameter string of one `CSI ... m` sequence. */
export function applySgr(state: SgrState, paramText: string): SgrState {
  let { fg, bg, flags } = state;
  const groups = paramText === '' ? [''] : paramText.split(';');
  const params = groups.map((g) => (g === '' ? 0 : Number(g.includes(':') ? g.split(':')[0] : g)));
  for (let i = 0; i < params.length; i += 1) {
    const code = params[i] ?? 0;
    const group = groups[i] ?? '';
    if (group.includes(':')) {
      const sub = group.split(':');
      if (code === 38 || code === 48) {
        const colour = colonColour(sub);
        if (colour !== undefined) {
          if (code === 38) fg = colour;
          else bg = colour;
        }
      } else if (code === 4) {
        flags = Number(sub[1]) === 0 ? flags & ~UNDERLINE : flags | UNDERLINE;
      }
      continue;
    }
    if (code === 0) {
      fg = -1;
      bg = -1;
      flags = 0;
    } else if (code === 1) flags |= BOLD;
    else if (code === 2) flags |= DIM;
    else if (code === 3) flags |= ITALIC;
    else if (code === 4 || code === 21) flags |= UNDERLINE;
    else if (code === 7) flags |= INVERSE;
    else if (code === 8) flags |= HIDDEN;
    else if (code === 9) flags |= STRIKE;
    else if (code === 22) flags &= ~(BOLD | DIM);
    else if (code === 23) flags &= ~ITALIC;
    else if (code === 24) flags &= ~UNDERLINE;
    else if (code === 27) flags &= ~INVERSE;
    else if (code === 28) flags &= ~HIDDEN;
    else if (code === 29) flags &= ~STRIKE;
    else if (code >= 30 && code <= 37) fg = code - 30;
    else if (code === 39) fg = -1;
    else if (code >= 40 && code <= 47) bg = code - 40;
    else if (code === 49) bg = -1;
    else if (code >= 90 && code <= 97) fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      const [colour, used] = extendedColour(params, i + 1);
      if (colour !== undefined) {
        if (code === 38) fg = colour;
        else bg = colour;
      }
      i += used;
    }
    // Anything else (blink, fonts, overline, ...) is ignored.
  }
  if (fg === state.fg && bg === state.bg && flags === state.flags) return state;
  if (fg === -1 && bg === -1 && flags === 0) return DEFAULT_SGR;
  return Object.freeze({ fg, bg, flags });
}

/**
 * Where the escape sequence starting at `at` (an ESC) ends, exclusive, and its SGR parameters if
 * it is one. An unterminated sequence runs to the end of the text.
 */
function scanEscape(text: string, at: number): { end: number; sgr: string | null } {
  const next = text.charCodeAt(at + 1);
  if (Number.isNaN(next)) return { end: text.length, sgr: null };
  if (next === 0x5b /* [ */) {
    let i = at + 2;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c >= 0x40 && c <= 0x7e) {
        const body = text.slice(at + 2, i);
        const isSgr = c === 0x6d /* m */ && /^[0-9;:]*$/.test(body);
        return { end: i + 1, sgr: isSgr ? body : null };
      }
      if (c < 0x20 || c > 0x3f) {
        // Not a valid CSI byte: drop the introducer only.
        return { end: i, sgr: null };
      }
      i += 1;
    }
    return { end: text.length, sgr: null };
  }
  if (
    next === 0x5d /* ] */ ||
    next === 0x50 /* P */ ||
    next === 0x5f /* _ */ ||
    next === 0x5e /* ^ */
  ) {
    // OSC, DCS, APC, PM: run until BEL or ST (ESC \).
    for (let i = at + 2; i < text.length; i += 1) {
      const c = text[i];
      if (c === BEL) return { end: i + 1, sgr: null };
      if (c === ESC && text[i + 1] === '\\') return { end: i + 2, sgr: null };
    }
    return { end: text.length, sgr: null };
  }
  // ESC, intermediates (0x20-0x2f), one final byte: charset selection and the like.
  let i = at + 1;
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i += 1;
  return { end: Math.min(text.length, i + 1), sgr: null };
}

/** The state after `text`, starting from `state`. */
export function sgrAfter(text: string, state: SgrState): SgrState {
  let current = state;
  let i = text.indexOf(ESC);
  while (i !== -1) {
    const { end, sgr } = scanEscape(text, i);
    if (sgr !== null) current = applySgr(current, sgr);
    i = text.indexOf(ESC, end);
  }
  return current;
}

/**
 * Splits a line into styled segments, dropping escape sequences. A carriage return that is not
 * the last character starts the line over (progress bars redraw themselves that way).
 */
export function segmentLine(text: string, state: SgrState): { segments: Segment[]; end: SgrState } {
  let segments: Segment[] = [];
  let current = state;
  let start = 0;
  const push = (until: number): void => {
    if (until > start) segments.push({ text: text.slice(start, until), state: current });
  };
  const length = text.endsWith('\r') ? text.length - 1 : text.length;
  let i = 0;
  while (i < length) {
    const c = text[i];
    if (c === ESC) {
      push(i);
      const { end, sgr } = scanEscape(text, i);
      if (sgr !== null) current = applySgr(current, sgr);
      i = end;
      start = i;
      continue;
    }
    if (c === '\r') {
      segments = [];
      i += 1;
      start = i;
      continue;
    }
    i += 1;
  }
  push(length);
  return { segments, end: current };
}

/** Colour of the 256-colour palette entries above 15, as CSS. */
function paletteRgb(n: number): string {
  if (n < 232) {
    const i = n - 16;
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey},${grey},${grey})`;
}

/** A colour as CSS: the first 16 come from the theme, so they suit light and dark. */
export function cssColour(colour: Colour): string | undefined {
  if (colour < 0) return undefined;
  if (colour >= TRUECOLOR) {
    const rgb = colour & 0xffffff;
    return `#${rgb.toString(16).padStart(6, '0')}`;
  }
  if (colour < 16) return `var(--ansi-${colour})`;
  return paletteRgb(colour);
}

/**
 * The text a row shows: escape sequences dropped, and only what follows a carriage return (as
 * `segmentLine` draws it). A row with neither is returned as it is, without copying.
 */
export function plainLine(text: string): string {
  if (!text.includes(ESC) && !text.includes('\r')) return text;
  return segmentLine(text, DEFAULT_SGR)
    .segments.map((s) => s.text)
    .join('');
}

/** Many lines of output as plain text: each as `plainLine` shows it. */
export function plainLines(text: string): string {
  if (!text.includes(ESC) && !text.includes('\r')) return text;
  return text.split('\n').map(plainLine).join('\n');
}
