import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressResolver, normaliseAddress } from './client-address.js';

/** The two things the resolver reads of a request. */
const request = (remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('clientAddressResolver', () => {
  const resolve = clientAddressResolver(['192.0.2.10', '10.0.0.0/8', '2001:db8::10']);

  it.each([
    [
      'no proxies configured: the peer, whatever the header says',
      [],
      '::ffff:203.0.113.1',
      '198.51.100.1',
      '203.0.113.1',
    ],
    [
      'a peer that is not a proxy: the header is ignored',
      undefined,
      '203.0.113.1',
      '198.51.100.1',
      '203.0.113.1',
    ],
    ['a trusted proxy: the hop it added', undefined, '192.0.2.10', '198.51.100.1', '198.51.100.1'],
    [
      'a trusted proxy seen as IPv4-mapped IPv6',
      undefined,
      '::ffff:192.0.2.10',
      '198.51.100.1',
      '198.51.100.1',
    ],
    [
      'hops the client wrote are skipped',
      undefined,
      '192.0.2.10',
      '1.1.1.1, 2.2.2.2, 198.51.100.1',
      '198.51.100.1',
    ],
    [
      'trusted hops (a CIDR range) are walked past',
      undefined,
      '192.0.2.10',
      '1.1.1.1, 198.51.100.1, 10.4.5.6',
      '198.51.100.1',
    ],
    [
      'an IPv6 proxy, written differently',
      undefined,
      '2001:db8:0::10',
      '2001:DB8::77',
      '2001:db8::77',
    ],
    ['a trusted proxy with no header: the proxy', undefined, '192.0.2.10', undefined, '192.0.2.10'],
    [
      'only trusted hops: the furthest one',
      undefined,
      '192.0.2.10',
      '10.0.0.1, 10.0.0.2',
      '10.0.0.1',
    ],
  ])('%s', (_what, proxies, peer, header, expected) => {
    const resolver = proxies === undefined ? resolve : clientAddressResolver(proxies);
    expect(resolver(request(peer, header))).toBe(expected);
  });

  it('a socket already gone has no address, and is one client: "unknown"', () => {
    expect(resolve(request(undefined, '198.51.100.1'))).toBe('unknown');
  });
});

describe('normaliseAddress', () => {
  it('gives one form per address', () => {
    expect(normaliseAddress(' ::FFFF:127.0.0.2 ')).toBe('127.0.0.2');
    expect(normaliseAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(normaliseAddress('not-an-address')).toBe('not-an-address');
  });
});
