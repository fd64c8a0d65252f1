import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random bytes of a session: 192 bits, unguessable. */
const ID_BYTES = 24;
/** Bytes of a session's signature (a truncated HMAC-SHA256): 128 bits, unforgeable. */
const TAG_BYTES = 16;
/** A session is `id ‖ tag` in base64url: 54 characters, within the client's SESSION_PATTERN. */
const SESSION_LENGTH = Math.ceil(((ID_BYTES + TAG_BYTES) * 4) / 3);
const SESSION_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${SESSION_LENGTH}}$`);

function subkey(secret: string, label: string): Buffer {
  // HKDF with a label per use: the signing key, the hashing key and the secret they come from
  // (which may be JOIN_SECRET) are never the same bytes.
  return Buffer.from(hkdfSync('sha256', secret, '', `rtc-call ${label}`, 32));
}

/**
 * Issues, checks and hashes sessions. A session is random bytes signed with a secret every node
 * shares and that survives a restart, so any node (or the same one after a restart) can tell a
 * session it issued from one a client made up, without having stored it. Seats are stored under
 * {@link SessionKeys.holder}, a keyed hash: whoever reads the seat store cannot take a seat back.
 */
export class SessionKeys {
  readonly #sign: Buffer;
  readonly #hash: Buffer;

  /** `secret`: SESSION_SECRET, or the secret it is derived from (see server/lib/session-secret.ts). */
  constructor(secret: string) {
    this.#sign = subkey(secret, 'session signature v1');
    this.#hash = subkey(secret, 'seat holder v1');
  }

  /** A new session: unguessable, signed by this server. */
  issue(): string {
    const id = randomBytes(ID_BYTES);
    return Buffer.concat([id, this.#tag(id)]).toString('base64url');
  }

  /** Whether this server (or a node sharing its secret) issued `session`. */
  verify(session: string): boolean {
    if (!SESSION_SHAPE.test(session)) return false;
    const bytes = Buffer.from(session, 'base64url');
    // Only the canonical spelling: two strings must never stand for the same session.
    if (bytes.length !== ID_BYTES + TAG_BYTES || bytes.toString('base64url') !== session) return false;
    return timingSafeEqual(bytes.subarray(ID_BYTES), this.#tag(bytes.subarray(0, ID_BYTES)));
  }

  /** What seat stores keep instead of the session: an HMAC of it, which retakes nothing. */
  holder(session: string): string {
    return createHmac('sha256', this.#hash).update(session).digest('base64url');
  }

  #tag(id: Buffer): Buffer {
    return createHmac('sha256', this.#sign).update(id).digest().subarray(0, TAG_BYTES);
  }
}

/**
 * The public peer id of a seat holder ({@link SessionKeys.holder}): stable for the session, reveals
 * nothing of it (a truncated SHA-256), and never a socket id.
 */
export function peerIdOf(holder: string): string {
  return createHash('sha256').update(holder).digest('base64url').slice(0, 16);
}
