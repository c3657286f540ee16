import type { IncomingMessage } from 'node:http';
import { BlockList, SocketAddress, isIP } from 'node:net';

/**
 * One textual form per address, so that one client is one key for the sign-in throttle:
 * `::ffff:192.0.2.1` (an IPv4 client of a dual-stack socket) is `192.0.2.1`, and IPv6 is
 * compressed and lower-case. Anything that is not an address is returned trimmed.
 */
export function normaliseAddress(text: string): string {
  const trimmed = text.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed)?.[1];
  if (mapped !== undefined && isIP(mapped) === 4) return mapped;
  if (isIP(trimmed) === 6) return new SocketAddress({ address: trimmed, family: 'ipv6' }).address;
  return trimmed;
}

/**
 * Finds the client's address for a request. `X-Forwarded-For` is read only when the request
 * comes straight from one of `trustedProxies` (addresses or CIDR ranges), because anyone else
 * can write whatever they like in it. Each proxy appends the address it received the request
 * from, so the list is read from the right: the first entry that is not itself a trusted proxy
 * is the client. Entries to the left of it were written by the client and are ignored.
 */
export function clientAddressResolver(
  trustedProxies: readonly string[],
): (req: IncomingMessage) => string {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(prefix), family);
  }
  const isTrusted = (address: string): boolean => {
    const family = isIP(address);
    // BlockList matches an IPv4-mapped IPv6 address against the IPv4 rules too.
    return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };

  return (req) => {
    const peer = normaliseAddress(req.socket.remoteAddress ?? 'unknown');
    const header = req.headers['x-forwarded-for'];
    if (trustedProxies.length === 0 || !isTrusted(peer) || header === undefined) return peer;
    // Node joins repeated X-Forwarded-For headers with ", " (the array is for the types' sake).
    const hops = (Array.isArray(header) ? header.join(',') : header)
      .split(',')
      .map(normaliseAddress)
      .filter((hop) => hop !== '');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i -= 1) {
      client = hops[i] ?? client;
      if (!isTrusted(client)) break;
    }
    return client;
  };
}
