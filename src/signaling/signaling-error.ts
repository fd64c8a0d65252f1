import type { ProtocolError } from '../protocol/errors.js';

/** A refusal from the server, or the server being out of reach (`signaling-unreachable`). */
export class SignalingError extends Error {
  override name = 'SignalingError';
  readonly code: ProtocolError['code'] | 'signaling-unreachable';
  constructor(code: SignalingError['code'], message: string) {
    super(message);
    this.code = code;
  }
}
