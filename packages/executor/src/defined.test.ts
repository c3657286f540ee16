import { describe, expect, expectTypeOf, it } from 'vitest';
import { defined } from './defined.js';

describe('defined', () => {
  it('drops undefined-valued keys and keeps every other value, falsy ones and null included', () => {
    const result = defined({ a: 1, b: undefined, c: null, d: 0, e: '', f: false });
    expect(result).toStrictEqual({ a: 1, c: null, d: 0, e: '', f: false });
    expect('b' in result).toBe(false);
    expect(JSON.stringify(defined({ x: undefined, y: 2 }))).toBe('{"y":2}');
  });

  it('types a key that may be undefined as optional and not undefined, the others unchanged', () => {
    const input: { required: number; maybe: string | undefined; optional?: boolean } = {
      required: 1,
      maybe: undefined,
    };
    const result = defined(input);
    expectTypeOf(result.required).toEqualTypeOf<number>();
    expectTypeOf(result).toHaveProperty('maybe').toEqualTypeOf<string | undefined>();
    expectTypeOf<Required<typeof result>['maybe']>().toEqualTypeOf<string>();
    expectTypeOf<Required<typeof result>['optional']>().toEqualTypeOf<boolean>();
    expect(result).toStrictEqual({ required: 1 });
  });
});
