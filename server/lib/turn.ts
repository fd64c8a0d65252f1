import { createHmac } from 'node:crypto';
import type { IceServer } from '../../src/protocol/signaling.js';
import type { ServerConfig } from '../config.js';

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
}

/**
 * Builds the function that hands out ICE servers: STUN URLs as configured, and TURN URLs with fresh
 * credentials for `user`. The user part is the public peer id, never the session: TURN usernames
 * travel in clear to coturn and land in its logs, and a session is what takes a seat back.
 */
export function iceServerSource(
  config: Pick<ServerConfig, 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtl'>,
  now: () => number = Date.now,
): (user: string) => IceServerGrant {
  const { stunUrls, turnUrls, turnSecret, turnTtl } = config;
  return (user) => {
    const iceServers: IceServer[] = [];
    if (stunUrls.length > 0) iceServers.push({ urls: [...stunUrls] });
    if (turnSecret && turnUrls.length > 0) {
      const expires = Math.floor(now() / 1000) + turnTtl;
      iceServers.push({ urls: [...turnUrls], ...turnCredentials(turnSecret, user, expires) });
      return { iceServers, ttl: turnTtl };
    }
    return { iceServers, ttl: 0 };
  };
}
