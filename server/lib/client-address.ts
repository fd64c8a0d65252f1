import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/** Decides whether the hop at an address may tell who its client is (`X-Forwarded-For`). */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** Names `TRUST_PROXY` takes besides addresses and CIDR blocks (those of proxy-addr). */
export const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;

/**
 * Compiles a `TRUST_PROXY` list (addresses, CIDR blocks, {@link PROXY_RANGE_NAMES}); throws a
 * TypeError naming the first entry that is none of these. An empty list trusts no proxy.
 */
export function proxyTrust(list: readonly string[]): ProxyTrust {
  return proxyAddr.compile([...list]);
}

/** Where a request came from: its TCP peer and its headers (socket.io's `socket.handshake` is one). */
export interface RequestSource {
  address: string;
  headers: IncomingHttpHeaders;
}

/**
 * The address of the client behind a request: its TCP peer, or, while that peer and the hops
 * before it are trusted proxies, the address they put in `X-Forwarded-For`. A header from an
 * untrusted peer is ignored, so a client cannot pick its own address.
 */
export function clientAddress(source: RequestSource, trust: ProxyTrust): string {
  // proxy-addr reads only these two fields of a request. The handshake's copy of the peer
  // address is used because a polling request's own socket may be gone by the time a client asks.
  const request = { headers: source.headers, socket: { remoteAddress: source.address } };
  return proxyAddr(request as unknown as IncomingMessage, trust);
}
