/** Error codes the signaling server puts in a `Fail` answer (protocol v1). */
export const SIGNALING_ERROR_CODES = [
  'bad-request',
  'invalid-room',
  'room-full',
  'unauthorized',
  'rate-limited',
  'unsupported-version',
  'not-joined',
  'internal',
  'unavailable',
] as const;

/** One of {@link SIGNALING_ERROR_CODES}. */
export type SignalingErrorCode = (typeof SIGNALING_ERROR_CODES)[number];

/** A refusal with a code a program can branch on and a message a person can act on. */
export interface ProtocolError {
  code: SignalingErrorCode;
  message: string;
}

/** The answer to any client → server event that was refused. */
export interface Fail {
  ok: false;
  error: ProtocolError;
}

/** Builds a {@link Fail} answer. */
export function fail(code: SignalingErrorCode, message: string): Fail {
  return { ok: false, error: { code, message } };
}

/** The result of validating an inbound message: the rebuilt value, or why it was refused. */
export type Parsed<T> = { ok: true; value: T } | Fail;
