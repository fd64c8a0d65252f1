import { createHmac } from 'node:crypto';
import type { IceServer, ProtocolWarning } from '../../src/protocol/signaling.js';
import type { ServerConfig } from '../config.js';
import { AddressBuckets } from './address-buckets.js';
import { clientAddress, proxyTrust, type RequestSource } from './client-address.js';

/** A TURN username and password in coturn's REST scheme (`use-auth-secret`). */
export interface TurnCredentials {
  username: string;
  credential: string;
}

/**
 * Mints coturn REST credentials: `username = "<unix expiry>:<user>"`,
 * `credential = base64(HMAC-SHA1(secret, username))`. coturn recomputes the HMAC with its
 * `static-auth-secret` and refuses the username once the expiry has passed.
 */
export function turnCredentials(secret: string, user: string, expiresAtSeconds: number): TurnCredentials {
  const username = `${expiresAtSeconds}:${user}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** ICE servers for one client, and how many seconds their credentials last (0: nothing expires). */
export interface IceServerGrant {
  iceServers: IceServer[];
  ttl: number;
  /** Why TURN servers were left out although some are configured. */
  warning?: ProtocolWarning;
}

/** Options of {@link iceServerSource}. */
export interface IceServerSourceOptions {
  /** Milliseconds since the epoch, for credential expiry (and, when given, the per-address buckets). */
  now?: () => number;
  /** Called when an address starts being refused credentials (once until it gets some again). */
  onWithheld?: (address: string) => void;
}

const WITHHELD: ProtocolWarning = {
  code: 'turn-rate-limited',
  message:
    'Too many calls were started from your network in the last minute: this one connects without a relay server, which fails on some networks. Try again in a minute if it does not connect.',
};

/**
 * Builds the function that hands out ICE servers: STUN URLs as configured, and TURN URLs with fresh
 * credentials for `user`. The user part is the public peer id, never the session: TURN usernames
 * travel in clear to coturn and land in its logs, and a session is what takes a seat back.
 *
 * Credentials are minted at most `turnMintPerMinute` times a minute per client address (the
 * request's, through `trustProxy`); past it the answer carries STUN only and a `warning`, so that
 * without JOIN_SECRET one client cannot take a relay's allocations as fast as it can join rooms.
 */
export function iceServerSource(
  config: Pick<ServerConfig, 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtl' | 'turnMintPerMinute' | 'trustProxy'>,
  { now, onWithheld }: IceServerSourceOptions = {},
): (user: string, source: RequestSource) => IceServerGrant {
  const { stunUrls, turnUrls, turnSecret, turnTtl, turnMintPerMinute } = config;
  const trust = proxyTrust(config.trustProxy);
  const clock = now ?? Date.now;
  // The buckets keep a monotonic clock of their own unless a test sets the time.
  const buckets =
    turnMintPerMinute > 0 ? new AddressBuckets({ perMinute: turnMintPerMinute, ...(now ? { now } : {}) }) : null;
  return (user, source) => {
    const iceServers: IceServer[] = [];
    if (stunUrls.length > 0) iceServers.push({ urls: [...stunUrls] });
    if (!turnSecret || turnUrls.length === 0) return { iceServers, ttl: 0 };
    if (buckets) {
      const address = clientAddress(source, trust);
      const verdict = buckets.take(address);
      if (verdict !== 'pass') {
        if (verdict === 'refused-first') onWithheld?.(address);
        return { iceServers, ttl: 0, warning: WITHHELD };
      }
    }
    const expires = Math.floor(clock() / 1000) + turnTtl;
    iceServers.push({ urls: [...turnUrls], ...turnCredentials(turnSecret, user, expires) });
    return { iceServers, ttl: turnTtl };
  };
}
