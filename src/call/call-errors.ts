import { SignalingError } from '../signaling/signaling-error.js';
import { MediaError } from './user-media.js';

/** Codes of a fatal call error (DESIGN.md §4). */
export type CallErrorCode =
  | 'permission-denied'
  | 'device-not-found'
  | 'device-in-use'
  | 'room-full'
  | 'unauthorized'
  | 'invalid-room'
  | 'signaling-unreachable'
  | 'ice-failed'
  | 'bad-ice-servers'
  | 'unsupported-browser';

/** The `error` property of `<rtc-call>`. */
export interface CallError {
  code: CallErrorCode;
  message: string;
}

/** A fatal error of the call itself (not of media or signaling). */
export class CallFailure extends Error {
  readonly code: CallErrorCode;
  constructor(code: CallErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const FATAL_SIGNALING = new Set(['room-full', 'unauthorized', 'invalid-room', 'signaling-unreachable']);

/** The public {@link CallError} for whatever ended a call. */
export function toCallError(error: unknown): CallError {
  if (error instanceof MediaError || error instanceof CallFailure) return { code: error.code, message: error.message };
  if (error instanceof SignalingError && FATAL_SIGNALING.has(error.code)) {
    return { code: error.code as CallErrorCode, message: error.message };
  }
  if (error instanceof SignalingError) return { code: 'signaling-unreachable', message: error.message };
  return { code: 'unsupported-browser', message: error instanceof Error ? error.message : String(error) };
}
