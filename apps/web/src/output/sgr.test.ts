import { describe, expect, it } from 'vitest';
import {
  BOLD,
  DEFAULT_SGR,
  plainLine,
  plainLines,
  INVERSE,
  TRUECOLOR,
  UNDERLINE,
  applySgr,
  cssColour,
  segmentLine,
  sgrAfter,
} from './sgr';

describe('SGR', () => {
  it('applies colours and attributes and resets', () => {
    const s = applySgr(DEFAULT_SGR, '1;31;44');
    expect(s).toEqual({ fg: 1, bg: 4, flags: BOLD });
    expect(applySgr(s, '')).toBe(DEFAULT_SGR);
    expect(applySgr(s, '22;39')).toEqual({ fg: -1, bg: 4, flags: 0 });
    expect(applySgr(DEFAULT_SGR, '92;107')).toEqual({ fg: 10, bg: 15, flags: 0 });
  });

  it('reads 256-colour and truecolour in both the semicolon and colon forms', () => {
    expect(applySgr(DEFAULT_SGR, '38;5;208').fg).toBe(208);
    expect(applySgr(DEFAULT_SGR, '38;2;255;128;0;4')).toEqual({
      fg: TRUECOLOR | 0xff8000,
      bg: -1,
      flags: UNDERLINE,
    });
    expect(applySgr(DEFAULT_SGR, '48:2::1:2:3').bg).toBe(TRUECOLOR | 0x010203);
    expect(applySgr(DEFAULT_SGR, '38:5:9').fg).toBe(9);
    expect(cssColour(TRUECOLOR | 0xff8000)).toBe('#ff8000');
    expect(cssColour(3)).toBe('var(--ansi-3)');
    expect(cssColour(196)).toBe('rgb(255,0,0)');
    expect(cssColour(232)).toBe('rgb(8,8,8)');
  });

  it('splits a line into segments and drops other escape sequences', () => {
    const { segments, end } = segmentLine(
      '\x1b]0;title\x07a\x1b[7mb\x1b[2Kc\x1b(Bd\x1b[0m',
      DEFAULT_SGR,
    );
    expect(segments.map((s) => [s.text, s.state.flags])).toEqual([
      ['a', 0],
      ['b', INVERSE],
      ['c', INVERSE],
      ['d', INVERSE],
    ]);
    expect(end).toBe(DEFAULT_SGR);
  });

  it('redraws after a carriage return, and ignores a CRLF ending', () => {
    expect(segmentLine('10%\r50%\r100%', DEFAULT_SGR).segments.map((s) => s.text)).toEqual([
      '100%',
    ]);
    expect(segmentLine('dos line\r', DEFAULT_SGR).segments.map((s) => s.text)).toEqual([
      'dos line',
    ]);
  });

  it('tracks the state after a line without building segments', () => {
    expect(sgrAfter('x\x1b[1;4my', DEFAULT_SGR)).toEqual({
      fg: -1,
      bg: -1,
      flags: BOLD | UNDERLINE,
    });
    expect(sgrAfter('no escapes', DEFAULT_SGR)).toBe(DEFAULT_SGR);
  });
});

describe('plainLine', () => {
  it('drops escapes and what a carriage return overwrites, and keeps plain text as it is', () => {
    const plain = 'nothing to drop';
    expect(plainLine(plain)).toBe(plain);
    expect(plainLine('\x1b[1;31merror\x1b[0m: disk')).toBe('error: disk');
    expect(plainLine('10%\r50%\r100%')).toBe('100%');
    expect(plainLine('done\r')).toBe('done');
    expect(plainLines('\x1b[32mok\x1b[0m\nplain\n')).toBe('ok\nplain\n');
  });
});
