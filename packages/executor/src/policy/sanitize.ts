import { type Refusal, refuse } from './decision.js';

export const DEFAULT_MAX_INPUT_LENGTH = 4096;

const RULE_LENGTH = 'input.max-length';
const RULE_CHARACTERS = 'input.characters';

/** Names for the characters people most often paste by accident, for readable refusals. */
const CHARACTER_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'NUL'],
  [0x0a, 'newline'],
  [0x0d, 'carriage return'],
  [0x1b, 'escape'],
  [0x7f, 'delete'],
  [0xa0, 'no-break space'],
  [0x200b, 'zero-width space'],
  [0x200c, 'zero-width non-joiner'],
  [0x200d, 'zero-width joiner'],
  [0x200e, 'left-to-right mark'],
  [0x200f, 'right-to-left mark'],
  [0x202e, 'right-to-left override'],
  [0x2028, 'line separator'],
  [0x2029, 'paragraph separator'],
  [0xfeff, 'byte order mark'],
  [0x00ad, 'soft hyphen'],
  [0x2060, 'word joiner'],
  [0x202f, 'narrow no-break space'],
  [0x3000, 'ideographic space'],
  [0x3164, 'Hangul filler'],
  [0x2800, 'Braille blank'],
]);

function describe(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CHARACTER_NAMES.get(codePoint);
  return name === undefined ? hex : `${name} (${hex})`;
}

/** C0 controls (tab excepted: it separates words like a space), DEL and C1 controls. */
function isControl(cp: number): boolean {
  return (cp < 0x20 && cp !== 0x09) || (cp >= 0x7f && cp <= 0x9f);
}

/**
 * Characters that render as nothing at all, Unicode's whole list of them: bidirectional
 * controls, zero-width characters, soft hyphen, variation selectors, Hangul fillers, tags.
 */
const DEFAULT_IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{Cf}]$/u;
/** Every Unicode space; only the plain space and tab separate words, in the shell as here. */
const UNICODE_SPACE = /^\p{White_Space}$/u;
/** Blank characters that Unicode does not class as either, yet look like a space. */
const BLANK_LOOKING: ReadonlySet<number> = new Set([0x2800]);

/**
 * Unassigned code points (Cn, noncharacters included) and private-use ones (Co): they render as
 * nothing, as a box, or as whatever a font maker put there, so a reviewer cannot read them.
 */
const UNASSIGNED_OR_PRIVATE = /^[\p{Cn}\p{Co}]$/u;

/**
 * Characters that look like nothing, or like a plain space, but are not one to the shell: they
 * can make what a reviewer reads differ from what runs. Checked by Unicode property rather than
 * by a hand-made list, so that the rarer ones (Hangul filler U+3164, Mongolian vowel separator,
 * tag characters) are caught as well.
 */
function isInvisibleOrLookalike(ch: string, cp: number): boolean {
  if (cp === 0x20 || cp === 0x09) return false;
  return DEFAULT_IGNORABLE.test(ch) || UNICODE_SPACE.test(ch) || BLANK_LOOKING.has(cp);
}

/**
 * The first gate every input passes, before any tokenizing or pattern matching: a length cap,
 * well-formed UTF-16, NFC normalisation, then a scan for control and invisible characters.
 * Returns the normalised text, or a refusal.
 */
export function sanitizeInput(
  raw: string,
  maxLength: number = DEFAULT_MAX_INPUT_LENGTH,
): { ok: true; text: string } | { ok: false; refusal: Refusal } {
  // Checked on the raw string first so that nothing below ever touches an oversized input.
  if (raw.length > maxLength) {
    return {
      ok: false,
      refusal: refuse(
        'too_long',
        RULE_LENGTH,
        `The command is ${raw.length} characters long; the limit is ${maxLength}.`,
      ),
    };
  }
  if (!raw.isWellFormed()) {
    return {
      ok: false,
      refusal: refuse(
        'malformed_unicode',
        RULE_CHARACTERS,
        'The command contains malformed Unicode (an unpaired surrogate).',
      ),
    };
  }
  const text = raw.normalize('NFC');
  if (text.length > maxLength) {
    return {
      ok: false,
      refusal: refuse(
        'too_long',
        RULE_LENGTH,
        `The command is ${text.length} characters long once normalised; the limit is ${maxLength}.`,
      ),
    };
  }
  let position = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isControl(cp)) {
      return {
        ok: false,
        refusal: refuse(
          'control_character',
          RULE_CHARACTERS,
          `The command contains a control character, ${describe(cp)}, at position ${position + 1}. ` +
            'Only one command on one line is accepted.',
          position,
        ),
      };
    }
    if (isInvisibleOrLookalike(ch, cp)) {
      return {
        ok: false,
        refusal: refuse(
          'invisible_character',
          RULE_CHARACTERS,
          `The command contains an invisible or look-alike character, ${describe(cp)}, at position ` +
            `${position + 1}. Retype it with plain spaces.`,
          position,
        ),
      };
    }
    if (UNASSIGNED_OR_PRIVATE.test(ch)) {
      return {
        ok: false,
        refusal: refuse(
          'unassigned_character',
          RULE_CHARACTERS,
          `The command contains an unassigned or private-use character, ${describe(cp)}, at ` +
            `position ${position + 1}, which cannot be displayed reliably.`,
          position,
        ),
      };
    }
    position += 1;
  }
  if (text.trim() === '') {
    return { ok: false, refusal: refuse('empty', RULE_CHARACTERS, 'The command is empty.') };
  }
  return { ok: true, text };
}
