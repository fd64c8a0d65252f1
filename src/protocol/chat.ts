// Chat frames travel peer to peer over the RTCDataChannel; the server never sees them.
// docs/chat-protocol.md describes the exchange these frames take part in.

/** The chat frame protocol version this code speaks. */
export const CHAT_VERSION = 1;

/** A chat message: `seq` numbers the sender's stream from 1, `id` is unique per message. */
export interface MessageFrame {
  v: typeof CHAT_VERSION;
  id: string;
  seq: number;
  /** Sender's clock, ms since the epoch. */
  at: number;
  text: string;
}

/** Cumulative acknowledgement: every message of the receiver's current stream up to `ack` arrived. */
export interface AckFrame {
  v: typeof CHAT_VERSION;
  ack: number;
}

/** Sent on every channel open, and again until the peer's hello arrives. */
export interface HelloFrame {
  v: typeof CHAT_VERSION;
  /** The sender's stream id: a new one means the sender starts counting `seq` afresh. */
  hello: string;
  /** The lowest seq the sender still holds; the messages before it are gone for good. */
  first: number;
  /** The last contiguous seq the sender received of stream `of`. */
  ack: number;
  /** The receiver's stream as the sender knows it (`''` if none). */
  of: string;
  /** Whether the sender already has the receiver's hello on this channel (if not, answer with one). */
  heard: boolean;
}

/** Any frame on the chat channel. */
export type ChatFrame = MessageFrame | AckFrame | HelloFrame;

/** Why a frame from the peer was dropped. */
export type ChatDropReason = 'binary' | 'too-large' | 'rate' | 'json' | 'version' | 'invalid' | 'window';

/** The result of decoding a frame: the rebuilt frame, or why it was dropped. */
export type DecodedFrame = { ok: true; frame: ChatFrame } | { ok: false; reason: ChatDropReason };

const ID = /^[\w-]{8,64}$/;
const encoder = new TextEncoder();

/** UTF-8 size of a string: what a data channel puts on the wire. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

const count = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const id = (value: unknown): value is string => typeof value === 'string' && ID.test(value);
const drop = (reason: ChatDropReason): DecodedFrame => ({ ok: false, reason });

/**
 * Decodes one frame from the peer, cheapest checks first, in time linear in its size.
 * Only exact key sets with every field checked pass. Never throws.
 */
export function decodeChatFrame(data: unknown, maxFrameBytes: number, maxTextLength: number): DecodedFrame {
  if (typeof data !== 'string') return drop('binary');
  // UTF-16 length bounds UTF-8 size from below, and at 3× from above: encode only when in doubt.
  if (data.length > maxFrameBytes || (data.length * 3 > maxFrameBytes && utf8Bytes(data) > maxFrameBytes)) {
    return drop('too-large');
  }
  let o: Record<string, unknown> | null;
  try {
    o = JSON.parse(data) as typeof o;
  } catch {
    return drop('json');
  }
  // JSON primitives and arrays have no own `v`, so this also admits only objects.
  if (o?.v !== CHAT_VERSION) return drop(typeof o?.v === 'number' ? 'version' : 'invalid');
  const keys = Object.keys(o);
  const shape = keys.length < 7 ? keys.sort().join() : '';
  const { text, seq, ack, first } = o;
  const valid =
    shape === 'at,id,seq,text,v'
      ? id(o.id) &&
        count(seq) &&
        seq > 0 &&
        count(o.at) &&
        typeof text === 'string' &&
        text.length <= maxTextLength &&
        text.trim() !== ''
      : shape === 'ack,v'
        ? count(ack)
        : shape === 'ack,first,heard,hello,of,v' &&
          id(o.hello) &&
          count(first) &&
          first > 0 &&
          count(ack) &&
          (o.of === '' || id(o.of)) &&
          typeof o.heard === 'boolean';
  return valid ? { ok: true, frame: o as unknown as ChatFrame } : drop('invalid');
}
