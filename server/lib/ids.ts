import { createHash, randomBytes } from 'node:crypto';

/** A new unguessable session id (192 random bits, base64url). */
export function newSession(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The public peer id of a session: stable for the session, reveals nothing of it
 * (a truncated SHA-256), and never a socket id.
 */
export function peerIdOf(session: string): string {
  return createHash('sha256').update(session).digest('base64url').slice(0, 16);
}
