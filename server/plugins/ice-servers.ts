import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { fail } from '../../src/protocol/errors.js';
import type { ServerConfig } from '../config.js';
import type { RequestSource } from '../lib/client-address.js';
import { iceServerSource, type IceServerGrant } from '../lib/turn.js';

/** Options of {@link iceServersPlugin}: the STUN and TURN settings of the configuration. */
export type IceServersOptions = Pick<
  ServerConfig,
  'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtl' | 'turnMintPerMinute' | 'trustProxy'
>;

declare module 'fastify' {
  interface FastifyInstance {
    /** ICE servers (with fresh TURN credentials) for a peer id, asked for by a client's request (plugins/ice-servers.ts). */
    iceServers(peer: string, source: RequestSource): IceServerGrant;
  }
}

function checkOptions(options: IceServersOptions): void {
  const { stunUrls, turnUrls, turnSecret, turnTtl, turnMintPerMinute } = options;
  if (!Array.isArray(stunUrls) || !Array.isArray(turnUrls)) {
    throw new TypeError('iceServersPlugin: stunUrls and turnUrls must be lists of URLs.');
  }
  if (turnSecret !== null && typeof turnSecret !== 'string') {
    throw new TypeError('iceServersPlugin: turnSecret must be a string, or null.');
  }
  if (!(turnTtl > 0)) throw new TypeError('iceServersPlugin: turnTtl must be a positive number of seconds.');
  if (!(turnMintPerMinute >= 0)) throw new TypeError('iceServersPlugin: turnMintPerMinute must be 0 or more.');
}

async function iceServers(app: FastifyInstance, options: IceServersOptions): Promise<void> {
  checkOptions(options);
  app.decorate(
    'iceServers',
    iceServerSource(options, {
      onWithheld: (address) =>
        app.log.warn({ address }, 'TURN credentials withheld: more than TURN_MINT_PER_MINUTE from this address'),
    }),
  );
  app.inbound.handle('ice-servers', (socket) => {
    const membership = socket.data.membership;
    // TURN credentials only for a seat holder: with JOIN_SECRET set, nobody else should get them.
    if (!membership) return fail('not-joined', 'Join a room before asking for ICE servers.');
    return { ok: true, ...app.iceServers(membership.peer, socket.handshake) };
  });
}

/**
 * The ICE servers a client gets: STUN as configured, TURN with fresh coturn REST credentials at most
 * `turnMintPerMinute` times a minute per address (lib/turn.ts), in the join's answer and on
 * `ice-servers` (seat holders only). Wrapped with fastify-plugin: plugins/seats.ts answers joins
 * with `app.iceServers`.
 */
export const iceServersPlugin = fp(iceServers, {
  name: 'rtc-call-ice-servers',
  fastify: '5.x',
  decorators: { fastify: ['inbound'] },
});
