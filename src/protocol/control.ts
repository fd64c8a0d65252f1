/** What each side sends: `audio`/`video` false when muted or off, `screen` while sharing. */
export interface MediaState {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

/** Largest control frame accepted from the peer. */
const MAX_CONTROL_BYTES = 256;

/** Encodes this side's media state for the control channel. */
export function encodeMediaState(state: MediaState): string {
  return JSON.stringify({ v: 1, type: 'media', audio: state.audio, video: state.video, screen: state.screen });
}

/** Decodes a control frame from the peer; anything else than a well-formed media frame is null. */
export function decodeMediaState(data: unknown): MediaState | null {
  if (typeof data !== 'string' || data.length > MAX_CONTROL_BYTES) return null;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return null;
  const { v, type, audio, video, screen, ...extra } = frame as Record<string, unknown>;
  if (v !== 1 || type !== 'media' || Object.keys(extra).length > 0) return null;
  if (typeof audio !== 'boolean' || typeof video !== 'boolean' || typeof screen !== 'boolean') return null;
  return { audio, video, screen };
}
