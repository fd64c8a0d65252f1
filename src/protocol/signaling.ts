import { fail, type Fail, type Parsed } from './errors.js';

/** The signaling protocol version this code speaks. */
export const PROTOCOL_VERSION = 1;

/** Room names: 1–64 characters of `[A-Za-z0-9_-]`. */
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Session ids are server-issued base64url strings. */
export const SESSION_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Size limits shared by both sides. */
export const LIMITS = {
  sdpBytes: 32 * 1024,
  candidateBytes: 1024,
  tokenBytes: 4096,
  sdpMidBytes: 64,
  ufragBytes: 256,
  maxMLineIndex: 1023,
  /** Objects nest at most this deep in any payload (`signal` → `candidate` is two). */
  maxDepth: 2,
  /** Values in a whole payload, counted across every level. */
  maxFields: 16,
} as const;

/** `join` request: take a seat in a room. */
export interface JoinRequest {
  v: typeof PROTOCOL_VERSION;
  room: string;
  token?: string;
  session?: string;
  resume?: boolean;
}

/** `join` success answer. */
export interface JoinOk {
  ok: true;
  v: typeof PROTOCOL_VERSION;
  self: string;
  session: string;
  polite: boolean;
  peers: string[];
  iceServers: IceServer[];
  ttl: number;
  warning?: ProtocolWarning;
}

/**
 * Something a successful answer lacks, and why: `turn-rate-limited` (no TURN servers, too many
 * credentials asked from this client's address in the last minute; the call may still connect).
 */
export interface ProtocolWarning {
  code: 'turn-rate-limited';
  message: string;
}

/** The subset of `RTCIceServer` the server hands out. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** `ice-servers` success answer. */
export interface IceServersOk {
  ok: true;
  iceServers: IceServer[];
  ttl: number;
  warning?: ProtocolWarning;
}

/** Plain `{ok: true}` answer. */
export interface Ok {
  ok: true;
}

/** An SDP offer or answer (or a rollback). */
export interface DescriptionPayload {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp: string;
}

/** A trickled ICE candidate; `candidate: ''` marks the end of a generation. */
export interface CandidatePayload {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment: string | null;
}

/** What a client sends with `signal`: a description, a candidate, or `null` (end of candidates). */
export type SignalPayload = { description: DescriptionPayload } | { candidate: CandidatePayload | null };

/** What a client receives with `signal`: the payload plus the sender's id, set by the server. */
export type RelayedSignal = SignalPayload & { from: string };

/** The other seat is now taken. `polite` is the receiver's role in perfect negotiation. */
export interface PeerJoin {
  peer: string;
  polite: boolean;
  resumed: boolean;
}

/** Why a peer left. */
export type LeaveReason = 'left' | 'disconnected' | 'replaced';

/** The other seat was freed (or taken over by a reload of the same peer). */
export interface PeerLeave {
  peer: string;
  reason: LeaveReason;
}

/** Events a client emits, each with exactly one acknowledgement. */
export interface ClientToServerEvents {
  join: (request: JoinRequest, ack: (answer: JoinOk | Fail) => void) => void;
  signal: (payload: SignalPayload, ack: (answer: Ok | Fail) => void) => void;
  'ice-servers': (payload: Record<string, never>, ack: (answer: IceServersOk | Fail) => void) => void;
  leave: (payload: Record<string, never>, ack: (answer: Ok | Fail) => void) => void;
}

/** Events the server emits. */
export interface ServerToClientEvents {
  'peer-join': (event: PeerJoin) => void;
  'peer-leave': (event: PeerLeave) => void;
  signal: (event: RelayedSignal) => void;
  'server-shutdown': (event: Record<string, never>) => void;
}

/** Names of the client → server events. */
export const CLIENT_EVENTS = ['join', 'signal', 'ice-servers', 'leave'] as const;

// ---- validation: every inbound message is checked here and rebuilt from its fields ----

type Fields = Record<string, unknown>;

function isPlainObject(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Refuses anything but a plain object whose keys all belong to `allowed`. */
function objectWith(value: unknown, allowed: readonly string[], what: string): Fields | Fail {
  if (!isPlainObject(value)) return fail('bad-request', `${what} must be a JSON object.`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) return fail('bad-request', `${what} has an unknown field "${key.slice(0, 32)}".`);
  }
  return value;
}

/**
 * Refuses binary data, nesting deeper than {@link LIMITS}.maxDepth and more than maxFields values,
 * without recursion: a payload nested 30,000 deep is refused as cheaply as a flat one.
 */
function checkShape(value: unknown, what: string): Fail | null {
  const stack: Array<[unknown, number]> = [[value, 1]];
  let fields = 0;
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (item instanceof ArrayBuffer || ArrayBuffer.isView(item)) {
      return fail('bad-request', `${what} must be JSON: binary data is not accepted.`);
    }
    if (depth > LIMITS.maxDepth) {
      return fail('bad-request', `${what} is nested too deeply (objects nest at most ${LIMITS.maxDepth} levels).`);
    }
    const values: unknown[] = Array.isArray(item) ? item : Object.values(item);
    fields += values.length;
    if (fields > LIMITS.maxFields) return fail('bad-request', `${what} has too many fields.`);
    for (const child of values) stack.push([child, depth + 1]);
  }
  return null;
}

function isFail(value: unknown): value is Fail {
  return isPlainObject(value) && value.ok === false;
}

function boundedString(value: unknown, maxBytes: number): value is string {
  // Length in UTF-16 units bounds the UTF-8 size at 3×; check the cheap bound first.
  if (typeof value !== 'string') return false;
  if (value.length > maxBytes) return false;
  return value.length * 3 <= maxBytes || new TextEncoder().encode(value).length <= maxBytes;
}

/** Validates a `join` request. */
export function parseJoin(value: unknown): Parsed<JoinRequest> {
  const shape = checkShape(value, 'join');
  if (shape) return shape;
  const obj = objectWith(value, ['v', 'room', 'token', 'session', 'resume'], 'join');
  if (isFail(obj)) return obj;
  if (obj.v !== PROTOCOL_VERSION) {
    return typeof obj.v === 'number'
      ? fail('unsupported-version', `This server speaks protocol v${PROTOCOL_VERSION}; update the client.`)
      : fail('bad-request', 'join.v must be the protocol version number.');
  }
  if (typeof obj.room !== 'string') return fail('bad-request', 'join.room must be a string.');
  if (!ROOM_PATTERN.test(obj.room)) {
    return fail('invalid-room', 'Room names are 1–64 characters of letters, digits, "-" and "_".');
  }
  const request: JoinRequest = { v: PROTOCOL_VERSION, room: obj.room };
  if (obj.token !== undefined) {
    if (!boundedString(obj.token, LIMITS.tokenBytes)) return fail('bad-request', 'join.token must be a string.');
    request.token = obj.token;
  }
  if (obj.session !== undefined) {
    if (typeof obj.session !== 'string' || !SESSION_PATTERN.test(obj.session)) {
      return fail('bad-request', 'join.session must be a session id issued by this server.');
    }
    request.session = obj.session;
  }
  if (obj.resume !== undefined) {
    if (typeof obj.resume !== 'boolean') return fail('bad-request', 'join.resume must be true or false.');
    request.resume = obj.resume;
  }
  return { ok: true, value: request };
}

const DESCRIPTION_TYPES: readonly string[] = ['offer', 'answer', 'pranswer', 'rollback'];

function parseDescription(value: unknown): Parsed<DescriptionPayload> {
  const obj = objectWith(value, ['type', 'sdp'], 'signal.description');
  if (isFail(obj)) return obj;
  if (typeof obj.type !== 'string' || !DESCRIPTION_TYPES.includes(obj.type)) {
    return fail('bad-request', 'signal.description.type must be offer, answer, pranswer or rollback.');
  }
  if (!boundedString(obj.sdp, LIMITS.sdpBytes)) {
    return fail('bad-request', `signal.description.sdp must be a string of at most ${LIMITS.sdpBytes} bytes.`);
  }
  if (obj.type !== 'rollback' && !obj.sdp.startsWith('v=0')) {
    return fail('bad-request', 'signal.description.sdp is not an SDP document.');
  }
  return { ok: true, value: { type: obj.type as DescriptionPayload['type'], sdp: obj.sdp } };
}

function optionalNullableString(value: unknown, maxBytes: number): value is string | null | undefined {
  return value === undefined || value === null || boundedString(value, maxBytes);
}

function parseCandidate(value: unknown): Parsed<CandidatePayload | null> {
  if (value === null) return { ok: true, value: null };
  const obj = objectWith(value, ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment'], 'signal.candidate');
  if (isFail(obj)) return obj;
  if (!boundedString(obj.candidate, LIMITS.candidateBytes)) {
    return fail(
      'bad-request',
      `signal.candidate.candidate must be a string of at most ${LIMITS.candidateBytes} bytes.`,
    );
  }
  if (!optionalNullableString(obj.sdpMid, LIMITS.sdpMidBytes)) {
    return fail('bad-request', 'signal.candidate.sdpMid must be a short string or null.');
  }
  const index = obj.sdpMLineIndex;
  if (
    index !== undefined &&
    index !== null &&
    !(typeof index === 'number' && Number.isInteger(index) && index >= 0 && index <= LIMITS.maxMLineIndex)
  ) {
    return fail('bad-request', 'signal.candidate.sdpMLineIndex must be a small non-negative integer or null.');
  }
  if (!optionalNullableString(obj.usernameFragment, LIMITS.ufragBytes)) {
    return fail('bad-request', 'signal.candidate.usernameFragment must be a short string or null.');
  }
  if ((obj.sdpMid ?? null) === null && (index ?? null) === null && obj.candidate !== '') {
    return fail('bad-request', 'signal.candidate needs sdpMid or sdpMLineIndex.');
  }
  return {
    ok: true,
    value: {
      candidate: obj.candidate,
      sdpMid: obj.sdpMid ?? null,
      sdpMLineIndex: index ?? null,
      usernameFragment: obj.usernameFragment ?? null,
    },
  };
}

/** Validates a `signal` payload (exactly one of `description` or `candidate`). */
export function parseSignal(value: unknown): Parsed<SignalPayload> {
  const shape = checkShape(value, 'signal');
  if (shape) return shape;
  const obj = objectWith(value, ['description', 'candidate'], 'signal');
  if (isFail(obj)) return obj;
  const hasDescription = obj.description !== undefined;
  const hasCandidate = obj.candidate !== undefined;
  if (hasDescription === hasCandidate) {
    return fail('bad-request', 'signal must carry exactly one of description or candidate.');
  }
  if (hasDescription) {
    const description = parseDescription(obj.description);
    return description.ok ? { ok: true, value: { description: description.value } } : description;
  }
  const candidate = parseCandidate(obj.candidate);
  return candidate.ok ? { ok: true, value: { candidate: candidate.value } } : candidate;
}

/** Validates the payload of events that take none (`leave`, `ice-servers`): `{}` or nothing. */
export function parseEmpty(value: unknown, event: string): Parsed<Record<string, never>> {
  if (value === undefined) return { ok: true, value: {} };
  const shape = checkShape(value, event);
  if (shape) return shape;
  const obj = objectWith(value, [], event);
  return isFail(obj) ? obj : { ok: true, value: {} };
}
