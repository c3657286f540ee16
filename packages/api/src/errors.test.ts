import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { toTRPCError } from './adapters/trpc-errors.js';
import { LoginRefusedError } from './auth/service.js';
import { TokenError } from './auth/tokens.js';
import { DomainError, errorHeaders } from './errors.js';

describe('the domain error catalogue', () => {
  it.each([
    ['a wrong password', new LoginRefusedError('invalid', 'no'), 'UNAUTHORIZED', {}],
    ['a disabled account', new LoginRefusedError('disabled', 'no'), 'UNAUTHORIZED', {}],
    [
      'a throttled sign-in',
      new LoginRefusedError('rate_limited', 'later', 7),
      'TOO_MANY_REQUESTS',
      { 'retry-after': '7' },
    ],
    ['a refused token', new TokenError('expired'), 'UNAUTHORIZED', {}],
    [
      'a quota',
      new DomainError('rate_limited', 'over', { retryAfterSeconds: 90 }),
      'TOO_MANY_REQUESTS',
      { 'retry-after': '90' },
    ],
  ])('%s: one tRPC code, and its headers whether bare or wrapped', (_, error, code, headers) => {
    const mapped = toTRPCError(error);
    expect(mapped).toBeInstanceOf(TRPCError);
    expect(mapped).toMatchObject({ code, message: error.message, cause: error });
    expect(errorHeaders(error)).toEqual(headers);
    expect(errorHeaders(mapped)).toEqual(headers);
  });

  it('gives no headers for errors outside the catalogue', () => {
    expect(errorHeaders(new Error('boom'))).toEqual({});
    expect(errorHeaders(new TRPCError({ code: 'TOO_MANY_REQUESTS' }))).toEqual({});
  });
});
