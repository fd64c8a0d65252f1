import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims of a join token (DESIGN.md §2): the room it opens and when it stops opening it. */
export interface JoinClaims {
  room: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
}

/** Why a join token was refused: a sentence a person can act on. */
export type TokenCheck = { ok: true; claims: JoinClaims } | { ok: false; reason: string };

const HEADER = { alg: 'HS256', typ: 'JWT' };
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signature(signingInput: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest();
}

/** Signs an HS256 JWT carrying `room` and `exp` (`npm run token` uses it). */
export function signJoinToken(claims: JoinClaims, secret: string): string {
  const signingInput = `${encode(HEADER)}.${encode({ room: claims.room, exp: claims.exp })}`;
  return `${signingInput}.${signature(signingInput, secret).toString('base64url')}`;
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks an HS256 join token for `room` at `nowSeconds`: the signature first (so nothing of an
 * unsigned token is trusted), then `alg`, `room` and `exp`. Never throws.
 */
export function verifyJoinToken(token: string, secret: string, room: string, nowSeconds: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
    return { ok: false, reason: 'The join token is not a JWT (three base64url parts).' };
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const expected = signature(`${headerPart}.${payloadPart}`, secret);
  const given = Buffer.from(signaturePart, 'base64url');
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'The join token was not signed by this server; ask for a new invitation link.' };
  }
  const header = decodeJson(headerPart);
  if (!isRecord(header) || header.alg !== 'HS256') {
    return { ok: false, reason: 'The join token must be signed with HS256.' };
  }
  const claims = decodeJson(payloadPart);
  if (!isRecord(claims)) return { ok: false, reason: 'The join token has no readable claims.' };
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    return { ok: false, reason: 'The join token has no expiry ("exp"); ask for a new invitation link.' };
  }
  if (claims.exp <= nowSeconds) {
    return { ok: false, reason: 'The join token has expired; ask for a new invitation link.' };
  }
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) {
    return { ok: false, reason: 'The join token is not valid yet; check the clock of the machine that made it.' };
  }
  if (claims.room !== room) return { ok: false, reason: 'The join token is for another room.' };
  return { ok: true, claims: { room, exp: claims.exp } };
}
