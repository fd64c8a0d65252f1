import { CHAT_VERSION, decodeChatFrame, utf8Bytes, type ChatDropReason, type MessageFrame } from '../protocol/chat.js';

/** One line of the conversation (the shape of `<rtc-call>`'s `messages`). */
export interface ChatMessage {
  readonly id: string;
  readonly text: string;
  readonly from: 'local' | 'remote';
  /** The sender's clock, ms since the epoch. */
  readonly at: number;
  /** `pending` waits for a channel, `sent` is on the wire, `delivered` was acknowledged by the peer
   * (messages from the peer are `delivered`), `failed` will never be sent: someone else took the
   * seat of the person it was written to. */
  readonly status: 'pending' | 'sent' | 'delivered' | 'failed';
}

/** The part of `RTCDataChannel` the chat uses, so that tests can wire two chats in memory. */
export interface DataChannelLike {
  readonly readyState: string;
  readonly bufferedAmount: number;
  send(data: string): void;
  addEventListener(type: 'open' | 'message' | 'close', listener: (event: Event) => void): void;
  removeEventListener(type: 'open' | 'message' | 'close', listener: (event: Event) => void): void;
}

/** Where one conversation is kept across reloads. Errors it throws are ignored. */
export interface ChatStorage {
  get(): string | null;
  set(value: string): void;
  remove(): void;
}

/** A {@link ChatStorage} over `sessionStorage[key]`: per tab, survives a reload of the page. */
export function sessionChatStorage(key: string): ChatStorage {
  return {
    get: () => sessionStorage.getItem(key),
    set: (value) => sessionStorage.setItem(key, value),
    remove: () => sessionStorage.removeItem(key),
  };
}

/** Limits and timings of a {@link ChatChannel}; each side enforces its own. */
export interface ChatLimits {
  /** Longest text, in UTF-16 code units, sent or accepted. */
  maxTextLength: number;
  /** Largest frame accepted from the peer, in UTF-8 bytes (fits a maximal text of 6-byte escapes). */
  maxFrameBytes: number;
  /** Unacknowledged messages kept for resending; also the size of the reorder window. */
  outboxMessages: number;
  /** Total UTF-8 bytes of their frames (and characters held for reordering). */
  outboxBytes: number;
  /** Local sends per second; a burst of twice that is allowed. */
  sendRate: number;
  /** Frames accepted from the peer per second, bursts of twice that, plus one outbox of resends per open. */
  inboundRate: number;
  /** Delivered messages kept in `messages` and storage (waiting ones are always kept). */
  historyMessages: number;
  /** Storage bytes (2 per UTF-16 code unit, as Web Storage counts) those may take, the newest kept. */
  historyBytes: number;
  /** The oldest unacknowledged messages are resent after this long without an acknowledgement. */
  retryMs: number;
  /**
   * After an acknowledgement, the next one waits this long to cover several messages (the first
   * one after a quiet spell goes at once).
   */
  ackDelayMs: number;
}

/** The defaults of {@link ChatLimits}. */
export const CHAT_LIMITS: Readonly<ChatLimits> = {
  maxTextLength: 4000,
  maxFrameBytes: 32 * 1024,
  outboxMessages: 500,
  outboxBytes: 1024 * 1024,
  sendRate: 5,
  inboundRate: 50,
  historyMessages: 1000,
  historyBytes: 512 * 1024,
  retryMs: 2000,
  ackDelayMs: 20,
};

/** Options of {@link ChatChannel}. */
export interface ChatChannelOptions {
  storage?: ChatStorage;
  limits?: Partial<ChatLimits>;
  /** Clock for timestamps and rate limits (ms since the epoch). */
  now?: () => number;
}

/** Why a message was refused. */
export type ChatErrorCode = 'too-long' | 'empty' | 'outbox-full' | 'rate-limited' | 'closed' | 'peer-changed';

/** A refused or abandoned message: a `code` to branch on and a message a person can act on. */
export class ChatError extends Error {
  readonly code: ChatErrorCode;
  constructor(code: ChatErrorCode, message: string) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
  }
}

/** `message`: a new message from the peer (once per message). */
export class ChatMessageEvent extends Event {
  readonly message: ChatMessage;
  constructor(message: ChatMessage) {
    super('message');
    this.message = message;
  }
}

/** `dropped`: a frame from the peer was dropped (see {@link ChatChannel.dropped}). */
export class ChatDropEvent extends Event {
  readonly reason: ChatDropReason;
  constructor(reason: ChatDropReason) {
    super('dropped');
    this.reason = reason;
  }
}

// Messages are updated in place; the public type is read-only.
type Line = { -readonly [K in keyof ChatMessage]: ChatMessage[K] };

// A local message not yet acknowledged; seqs in the outbox are contiguous.
interface Outgoing {
  seq: number;
  message: Line;
  frame: string;
  bytes: number;
  // The retry tick it was last transmitted in; -1: not on the current channel yet.
  tick: number;
  // The send() promise (none for a message restored after a reload).
  settle?: [(message: ChatMessage) => void, (error: ChatError) => void];
}

interface Saved {
  v: 1;
  stream: string;
  first: number;
  peer: string;
  got: number;
  log: Line[];
  // The signaling id of the person the outbox is for ('' before any).
  to?: string;
}

// How many of the oldest unacknowledged messages one retry resends.
const RETRY_WINDOW = 16;
const EVENTS = ['open', 'message', 'close'] as const;

const newId = (): string => crypto.randomUUID();
// Waiting to be acknowledged (kept, resent and saved whatever the limits).
const waiting = ({ status }: ChatMessage): boolean => status === 'pending' || status === 'sent';

function bucket(rate: number, now: () => number) {
  const burst = 2 * rate;
  let tokens = burst;
  let last = now();
  return {
    take(): boolean {
      const t = now();
      // Tokens above the burst (a resend allowance) do not refill, but are not lost either.
      if (tokens < burst) tokens = Math.min(burst, tokens + ((t - last) * rate) / 1000);
      last = t;
      if (tokens < 1) return false;
      tokens--;
      return true;
    },
    fill(extra: number): void {
      tokens = burst + extra;
    },
  };
}

/**
 * Text chat over an `RTCDataChannel` that loses nothing: each message is delivered to the peer
 * exactly once and in order, or stays visibly `pending`. Unacknowledged messages wait in a bounded
 * outbox; on every channel open both sides exchange a hello (what they last received) and resend
 * the gap. The conversation is saved to `storage` so that a reload continues it. No lit, no DOM.
 *
 * Events: `message` ({@link ChatMessageEvent}), `change` (the list or a status changed; messages
 * are updated in place), `dropped` ({@link ChatDropEvent}).
 */
export class ChatChannel extends EventTarget {
  /** Frames from the peer dropped as malformed, oversized, out of window or over the rate. */
  dropped = 0;
  /** Whether the last save failed even without the history: a reload would lose the waiting messages. */
  unsaved = false;

  readonly #limits: ChatLimits;
  readonly #storage: ChatStorage | undefined;
  readonly #now: () => number;
  readonly #sendBucket;
  readonly #inBucket;
  // The conversation, set by #restore().
  #messages!: Line[];
  #outbox!: Outgoing[];
  #outBytes!: number;
  // Our stream and its next seq; the peer's stream and the last contiguous seq received of it.
  #stream!: string;
  #next!: number;
  #peer!: string;
  #got!: number;
  // The remote ids in `messages` (duplicates are dropped by id too), and the reorder buffer.
  #seen!: Set<string>;
  #held = new Map<number, MessageFrame>();
  #heldChars = 0;
  #channel: DataChannelLike | null = null;
  // Whether the peer's hello arrived on the current channel: until then its frames are ignored,
  // since they may count a stream we do not know yet.
  #heard = false;
  // Whether our hello went out on the current channel: what we send after it reaches the peer
  // after it (the channel is ordered), so a new message need not wait for the peer's hello.
  #greeted = false;
  #ticks = 0;
  #retry: ReturnType<typeof setInterval> | undefined;
  // Runs while acknowledgements are being coalesced; `#ackOwed`: one is due when it ends.
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #ackOwed = false;
  // Something changed since the last save; `#queued`: the save is queued; `#receiving`: a frame
  // from the peer is being handled (its save is queued once it is done, see #handle).
  #dirty = false;
  #queued = false;
  #receiving = false;
  // The signaling id of the person waiting messages were written to.
  #to = '';

  constructor(options: ChatChannelOptions = {}) {
    super();
    const limits = (this.#limits = { ...CHAT_LIMITS, ...options.limits });
    this.#storage = options.storage;
    this.#now = options.now ?? Date.now;
    this.#sendBucket = bucket(limits.sendRate, this.#now);
    this.#inBucket = bucket(limits.inboundRate, this.#now);
    let saved: Saved | undefined;
    try {
      saved = JSON.parse(this.#storage?.get() ?? 'null') as Saved | undefined;
    } catch {
      // corrupt or blocked: start afresh
    }
    this.#restore(saved);
  }

  /** The conversation, oldest first; updated in place (listen to `change`). */
  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /**
   * Uses `channel` from now on (a new one replaces the old: a new connection after a reload), to
   * the person whose signaling id is `to`. Waiting messages belong to the person they were written
   * to: when `to` is someone else, they turn `failed` (their sends reject with `peer-changed`).
   */
  attach(channel: DataChannelLike, to = this.#to): void {
    this.detach();
    if (this.#to && to !== this.#to) {
      for (const entry of this.#outbox) {
        entry.message.status = 'failed';
        entry.settle?.[1](new ChatError('peer-changed', 'Someone else took the seat: not sent to them.'));
      }
      this.#outbox = [];
      this.#outBytes = 0;
      this.#changed();
    }
    this.#to = to;
    this.#channel = channel;
    for (const type of EVENTS) channel.addEventListener(type, this.#handle);
    if (channel.readyState === 'open') this.#open();
  }

  /** Stops using the channel (it stays open); unacknowledged messages turn `pending`. */
  detach(): void {
    const channel = this.#channel;
    if (!channel) return;
    for (const type of EVENTS) channel.removeEventListener(type, this.#handle);
    this.#channel = null;
    this.#close();
  }

  /**
   * Sends `text`; resolves with the message once the peer acknowledged it. Rejects with a
   * {@link ChatError} when refused; while no channel is open the message waits as `pending`.
   */
  send(text: string): Promise<ChatMessage> {
    const limits = this.#limits;
    const refuse = (code: ChatErrorCode, why: string) => Promise.reject(new ChatError(code, why));
    const tooLong = () => refuse('too-long', `Messages are limited to ${limits.maxTextLength} characters.`);
    if (text.trim() === '') return refuse('empty', 'The message is empty.');
    if (text.length > limits.maxTextLength) return tooLong();
    const message: Line = { id: newId(), text, from: 'local', at: Math.round(this.#now()), status: 'pending' };
    const entry = this.#entry(message);
    if (entry.bytes > limits.maxFrameBytes) return tooLong();
    if (this.#outbox.length >= limits.outboxMessages || this.#outBytes + entry.bytes > limits.outboxBytes) {
      return refuse('outbox-full', 'Too many messages are waiting for the other person.');
    }
    if (!this.#sendBucket.take()) return refuse('rate-limited', 'Sending too fast; wait a moment.');
    const delivered = new Promise<ChatMessage>((resolve, reject) => (entry.settle = [resolve, reject]));
    this.#queue(entry);
    this.#add(message);
    // Without the peer's hello yet, a new message still goes at once behind our own hello (the
    // peer takes that first); what waited for the channel waits for the peer's hello instead,
    // which may acknowledge it. Waiting for the hello cost a round trip on a new channel.
    if (this.#heard || this.#greeted) this.#transmit([entry]);
    return delivered;
  }

  /** Forgets the conversation and its storage (hang-up) and detaches; waiting sends reject `closed`. */
  clear(): void {
    this.detach();
    for (const entry of this.#outbox) {
      entry.settle?.[1](new ChatError('closed', 'The call ended before this message arrived.'));
    }
    this.#restore();
    this.#changed();
  }

  #handle = (event: Event): void => {
    if (event.type === 'open') this.#open();
    else if (event.type === 'close') this.#close();
    else {
      // The save is queued once the frame is handled, behind what the page queued in its own
      // `message` listeners: a reply sent from there (after an `await`, say) then shares this
      // task's one save instead of making a second one. Each save costs the browser a storage
      // write; a chat round trip made three of them per side.
      this.#receiving = true;
      try {
        this.#receive((event as MessageEvent).data);
      } finally {
        this.#receiving = false;
        if (this.#dirty) this.#changed();
      }
    }
  };

  #open(): void {
    this.#heard = false;
    // A reopened channel brings the peer's resends at once: let one outbox of them through.
    this.#inBucket.fill(this.#limits.outboxMessages);
    this.#greeted = this.#hello();
    clearInterval(this.#retry);
    this.#retry = setInterval(() => this.#tick(), this.#limits.retryMs);
  }

  #close(): void {
    this.#heard = false;
    this.#greeted = false;
    clearInterval(this.#retry);
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    this.#ackOwed = false; // the next channel's hello carries it
    for (const entry of this.#outbox) {
      entry.tick = -1;
      entry.message.status = 'pending';
    }
    this.#changed();
  }

  #receive(data: unknown): void {
    if (!this.#inBucket.take()) return this.#drop('rate');
    const limits = this.#limits;
    const decoded = decodeChatFrame(data, limits.maxFrameBytes, limits.maxTextLength);
    if (!decoded.ok) return this.#drop(decoded.reason);
    const frame = decoded.frame;
    if ('hello' in frame) {
      if (frame.hello !== this.#peer) {
        // A stream we do not know: the peer is new, or lost its state. Count it from `first`.
        this.#peer = frame.hello;
        this.#reset();
        this.#got = frame.first - 1;
      }
      const firstHello = !this.#heard;
      this.#heard = true;
      if (frame.of === this.#stream) this.#acked(frame.ack);
      if (frame.first > this.#got + 1) {
        // Acknowledged to an earlier state of ours that was lost: those messages are gone for good.
        this.#got = frame.first - 1;
        for (const seq of this.#held.keys()) if (seq <= this.#got) this.#unhold(seq);
      }
      if (!frame.heard) this.#hello();
      // The outbox, after our answer (the peer takes nothing before our hello). What already went
      // out on this channel followed our hello: a peer that had our hello when it wrote its own
      // (`heard`) takes it; one that had not may have missed both, so it is sent again.
      if (firstHello) this.#transmit(frame.heard ? this.#outbox.filter((entry) => entry.tick < 0) : this.#outbox);
      this.#deliver(); // acknowledges at once what it delivers, if our answer's `ack` was short of it
      this.#changed();
    } else if (!this.#heard) {
      return;
    } else if ('ack' in frame) {
      this.#acked(frame.ack);
    } else if (frame.seq <= this.#got) {
      this.#ackSoon(); // a resend of what we have: our acknowledgement was lost
    } else if (!this.#held.has(frame.seq)) {
      if (frame.seq > this.#got + limits.outboxMessages || this.#heldChars + frame.text.length > limits.outboxBytes) {
        return this.#drop('window');
      }
      this.#held.set(frame.seq, frame);
      this.#heldChars += frame.text.length;
      this.#deliver();
    }
  }

  // Delivers what became contiguous, in seq order, once per id.
  #deliver(): void {
    const got = this.#got;
    for (let frame; (frame = this.#held.get(this.#got + 1));) {
      this.#unhold(++this.#got);
      if (this.#seen.has(frame.id)) continue;
      const message: Line = { id: frame.id, text: frame.text, from: 'remote', at: frame.at, status: 'delivered' };
      this.#add(message);
      this.dispatchEvent(new ChatMessageEvent(message));
    }
    if (this.#got !== got) this.#ackSoon();
  }

  #unhold(seq: number): void {
    this.#heldChars -= this.#held.get(seq)?.text.length ?? 0;
    this.#held.delete(seq);
  }

  #acked(ack: number): void {
    if (ack >= this.#next) return this.#drop('invalid');
    while ((this.#outbox[0]?.seq ?? ack + 1) <= ack) {
      const entry = this.#outbox.shift()!;
      this.#outBytes -= entry.bytes;
      entry.message.status = 'delivered';
      entry.settle?.[0](entry.message);
    }
    this.#trim();
    this.#changed();
  }

  #tick(): void {
    const ticks = ++this.#ticks;
    if (!this.#heard) {
      if (this.#hello()) this.#greeted = true;
      return;
    }
    // Frames still queued locally are slow, not lost.
    if (this.#channel!.bufferedAmount > 0) return;
    this.#transmit(this.#outbox.slice(0, RETRY_WINDOW).filter((entry) => entry.tick < ticks - 1));
  }

  #hello(): boolean {
    return this.#put(
      JSON.stringify({
        v: CHAT_VERSION,
        hello: this.#stream,
        first: this.#first(),
        ack: this.#got,
        of: this.#peer,
        heard: this.#heard,
      }),
    );
  }

  // The first acknowledgement after a quiet spell goes at once (in this task, so the save of what
  // it acknowledges follows in this task's microtask, before the page can unload); the ones owed
  // within the next `ackDelayMs` go as one when it ends. Holding every acknowledgement for the
  // delay held every send() promise (and the sender's `delivered`) for 20 ms as well.
  #ackSoon(): void {
    if (this.#ackTimer !== undefined) {
      this.#ackOwed = true;
      return;
    }
    this.#put(JSON.stringify({ v: CHAT_VERSION, ack: this.#got }));
    this.#ackTimer = setTimeout(() => {
      this.#ackTimer = undefined;
      if (!this.#ackOwed) return;
      this.#ackOwed = false;
      this.#ackSoon();
    }, this.#limits.ackDelayMs);
  }

  #transmit(entries: Outgoing[]): void {
    for (const entry of entries) {
      if (!this.#put(entry.frame)) break;
      entry.tick = this.#ticks;
      if (entry.message.status !== 'sent') this.#changed();
      entry.message.status = 'sent';
    }
  }

  #put(frame: string): boolean {
    if (this.#channel?.readyState !== 'open') return false;
    try {
      this.#channel.send(frame);
      return true;
    } catch {
      return false; // closing: the close event follows
    }
  }

  #drop(reason: ChatDropReason): void {
    this.dropped++;
    this.dispatchEvent(new ChatDropEvent(reason));
  }

  #reset(): void {
    this.#got = 0;
    this.#held.clear();
    this.#heldChars = 0;
  }

  // The lowest seq we still hold (the next one when all were acknowledged).
  #first(): number {
    return this.#outbox[0]?.seq ?? this.#next;
  }

  #entry(message: Line, seq = this.#next): Outgoing {
    const { id, at, text } = message;
    const frame = JSON.stringify({ v: CHAT_VERSION, id, seq, at, text });
    return { seq, message, frame, bytes: utf8Bytes(frame), tick: -1 };
  }

  #queue(entry: Outgoing): void {
    this.#next++;
    this.#outbox.push(entry);
    this.#outBytes += entry.bytes;
  }

  #add(message: Line): void {
    this.#messages.push(message);
    if (message.from === 'remote') this.#seen.add(message.id);
    this.#trim();
    this.#changed();
  }

  // Past `historyMessages` or `historyBytes` (counted from the newest, about 100 characters of JSON
  // around each text), drops the older settled messages; waiting ones always stay.
  #trim(): void {
    let { historyMessages: count, historyBytes: bytes } = this.#limits;
    const messages = this.#messages;
    let i = messages.length;
    while (i-- > 0 && --count >= 0 && (bytes -= 2 * messages[i]!.text.length + 200) >= 0);
    if (i >= 0) this.#messages = messages.filter((m, j) => j > i || waiting(m) || (this.#seen.delete(m.id), false));
  }

  // Saves and announces once per task: the microtask runs before the page can unload, so what
  // went on the wire in this task is never ahead of what a reload restores.
  #changed(): void {
    this.#dirty = true;
    if (this.#queued || this.#receiving) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.#dirty = false;
      this.#save();
      this.dispatchEvent(new Event('change'));
    });
  }

  #save(): void {
    const storage = this.#storage;
    if (!storage) return;
    const save = (log: Line[]) => {
      const saved: Saved = {
        v: 1,
        stream: this.#stream,
        first: this.#first(),
        peer: this.#peer,
        got: this.#got,
        log,
        to: this.#to,
      };
      if (log.length) storage.set(JSON.stringify(saved));
      else storage.remove();
    };
    this.unsaved = false;
    try {
      save(this.#messages);
    } catch {
      // Full (QuotaExceededError) or blocked: the waiting messages alone may still fit.
      try {
        save(this.#messages.filter(waiting));
      } catch {
        // A stale copy would make a reload reuse seqs, so keep none, and say what a reload loses.
        this.unsaved = this.#outbox.length > 0;
        try {
          storage.remove();
        } catch {
          // blocked: nothing was kept
        }
      }
    }
  }

  // Takes up a saved conversation, or starts a new one. Our own origin wrote `saved`, but check
  // its shape: a bad copy must not break the chat.
  #restore(saved?: Saved): void {
    const line = (m: Partial<Line>) =>
      typeof m.id === 'string' &&
      typeof m.text === 'string' &&
      typeof m.at === 'number' &&
      /^(local|remote)$/.test(m.from!) &&
      /^(pending|sent|delivered|failed)$/.test(m.status!);
    const ok =
      saved?.v === 1 &&
      typeof saved.stream === 'string' &&
      typeof saved.peer === 'string' &&
      Number.isSafeInteger(saved.first) &&
      Number.isSafeInteger(saved.got) &&
      Array.isArray(saved.log) &&
      saved.log.every(line) &&
      typeof (saved.to ?? '') === 'string';
    this.#reset();
    this.#stream = ok ? saved.stream : newId();
    this.#peer = ok ? saved.peer : '';
    this.#got = ok ? saved.got : 0;
    this.#next = ok ? saved.first : 1;
    this.#to = ok ? (saved.to ?? '') : '';
    this.#messages = ok ? saved.log.map(({ id, text, from, at, status }) => ({ id, text, from, at, status })) : [];
    this.#outbox = [];
    this.#outBytes = 0;
    this.#seen = new Set();
    for (const message of this.#messages) {
      if (message.from === 'remote') this.#seen.add(message.id);
      else if (waiting(message)) {
        message.status = 'pending';
        this.#queue(this.#entry(message));
      }
    }
  }
}
