import { errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose';

/** The claims a join token must carry (DESIGN.md §2): the room it opens and when it stops opening it. */
export interface JoinClaims {
  room: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
}

/** What the server demands of a join token beyond its signature and room (DESIGN.md §2). */
export interface JoinTokenRules {
  /** Accepted `aud` values (a token must name one); empty: a token must carry no `aud` at all. */
  audience: readonly string[];
  /** Accepted `iss` values (a token must carry one); empty: `iss` is not checked. */
  issuer: readonly string[];
  /** Seconds a token's `exp` may lie ahead of now: caps how long a leaked token stays usable. */
  maxLifetime: number;
  /** Seconds of clock difference forgiven between the issuer and this server (`exp`, `nbf`). */
  leeway: number;
}

/** The rules of DESIGN.md §3's defaults: no `aud`/`iss`, tokens valid for at most a day, 30 s leeway. */
export const DEFAULT_JOIN_TOKEN_RULES: JoinTokenRules = {
  audience: [],
  issuer: [],
  // A page that renders a token serves it as long as the page stays open: a day covers a tab left
  // open overnight, and a token that leaks (logs, history, a forwarded link) is dead the next day.
  // Invitations sent days ahead should link to the backend's page that mints one on opening.
  maxLifetime: 24 * 3600,
  // Machines kept by NTP agree within a second; 30 s forgives a laptop or VM that drifted.
  leeway: 30,
};

/** Why a join token was refused: a sentence a person can act on. */
export type TokenCheck = { ok: true; claims: JoinClaims } | { ok: false; reason: string };

const ASK_AGAIN = 'ask for a new invitation link';
const NOT_A_JWT = 'The join token is not a JWT (three parts of unpadded, canonical base64url).';
const PART = /^[A-Za-z0-9_-]*$/;

/** The HMAC key jose wants: the secret's UTF-8 bytes, the same as any other HS256 library uses. */
function hmacKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Whether `part` is the one base64url spelling of its bytes. Base64 decoders (atob, Buffer, and
 * jose through them) ignore a last character's unused bits, padding and white space, so without
 * this one signature has several spellings: a token denied by its text would pass in another.
 */
function canonical(part: string): boolean {
  return PART.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part;
}

/** Signs an HS256 JWT carrying `room`, `exp`, `iat` and any `aud`/`iss` given (`npm run token`). */
export async function signJoinToken(
  claims: JoinClaims & { aud?: string; iss?: string },
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const jwt = new SignJWT({ room: claims.room })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(nowSeconds)
    .setExpirationTime(claims.exp);
  if (claims.aud !== undefined) jwt.setAudience(claims.aud);
  if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
  return jwt.sign(hmacKey(secret));
}

/** The sentence for a claim jose refused, by claim name and jose's reason (`missing`, `invalid`, …). */
function claimProblem(claim: string, why: string): string {
  switch (claim) {
    case 'exp':
      return `The join token has no expiry ("exp", a number of seconds since the epoch); ${ASK_AGAIN}.`;
    case 'nbf':
      return why === 'invalid'
        ? 'The join token\'s "nbf" is not a number of seconds since the epoch.'
        : 'The join token is not valid yet; check the clock of the machine that made it.';
    case 'iat':
      return 'The join token\'s "iat" is not a number of seconds since the epoch.';
    case 'aud':
      return `The join token is not meant for this server: its "aud" claim names none of JOIN_AUDIENCE; ${ASK_AGAIN}.`;
    case 'iss':
      return `The join token was not issued by a trusted issuer: its "iss" claim is none of JOIN_ISSUER; ${ASK_AGAIN}.`;
    default:
      return `The join token's "${claim}" claim is refused (${why}).`;
  }
}

/** The sentence for one of jose's refusals; anything that is not a JOSE error is a bug and rethrown. */
function joseProblem(error: unknown): string {
  if (error instanceof errors.JWTExpired) return `The join token has expired; ${ASK_AGAIN}.`;
  if (error instanceof errors.JWTClaimValidationFailed) return claimProblem(error.claim, error.reason);
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return `The join token was not signed by this server; ${ASK_AGAIN}.`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The join token must be signed with HS256.';
  // An extension named in `crit` that this server does not implement: RFC 7515 says refuse.
  if (error instanceof errors.JOSENotSupported)
    return `The join token needs an unsupported extension: ${error.message}.`;
  // A header or claims that are not JSON objects, a bad `crit`, an unencoded (b64: false) payload.
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return `The join token is malformed: ${error.message}.`;
  }
  if (error instanceof errors.JOSEError) return `The join token is refused: ${error.message}.`;
  throw error;
}

/**
 * Checks an HS256 join token for `room` under `rules` (jose's `jwtVerify`: the header's `alg`
 * and `crit`, the signature, then `exp`, `nbf`, `iat`, `aud`, `iss`), then the lifetime and room.
 * Resolves with the reason of a refusal, never rejects for a bad token.
 */
export async function verifyJoinToken(
  token: string,
  secret: string,
  room: string,
  rules: JoinTokenRules = DEFAULT_JOIN_TOKEN_RULES,
  nowSeconds = Date.now() / 1000,
): Promise<TokenCheck> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every(canonical)) return { ok: false, reason: NOT_A_JWT };
  const options: JWTVerifyOptions = {
    algorithms: ['HS256'],
    requiredClaims: ['exp'],
    clockTolerance: rules.leeway,
    currentDate: new Date(nowSeconds * 1000),
    ...(rules.audience.length > 0 ? { audience: [...rules.audience] } : {}),
    ...(rules.issuer.length > 0 ? { issuer: [...rules.issuer] } : {}),
  };
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, hmacKey(secret), options));
  } catch (error) {
    return { ok: false, reason: joseProblem(error) };
  }
  // RFC 7519 §4.1.3: a token naming an audience must be refused by a server that is not in it.
  if (rules.audience.length === 0 && claims.aud !== undefined) {
    return {
      ok: false,
      reason: 'The join token names an audience ("aud") but this server has none: set JOIN_AUDIENCE to accept it.',
    };
  }
  // jwtVerify made sure `exp` is a number in the future; it may still be absurdly far away
  // (1e308 parses, and so does 1e400 as Infinity): a token must die within the lifetime cap.
  const exp = claims.exp as number;
  if (!(exp - nowSeconds <= rules.maxLifetime + rules.leeway)) {
    return {
      ok: false,
      reason: `The join token is valid for too long: its "exp" is more than ${rules.maxLifetime} s (JOIN_TOKEN_MAX_LIFETIME) away; ${ASK_AGAIN}.`,
    };
  }
  if (claims.room !== room) return { ok: false, reason: 'The join token is for another room.' };
  return { ok: true, claims: { room, exp } };
}
