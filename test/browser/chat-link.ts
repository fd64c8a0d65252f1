// In-memory stand-ins for RTCDataChannel, for the chat-channel tests: a link that loses, reorders
// and duplicates frames (driven by a seeded PRNG so that a failing seed can be replayed), and a
// channel whose far end the test plays by hand.
import type { ChatChannel, ChatMessage, ChatStorage, DataChannelLike } from '../../src/webrtc/chat-channel.js';

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One end of a channel; `send` hands frames to `carry`, like a real channel throws when not open. */
export class FakeChannel extends EventTarget implements DataChannelLike {
  readyState: RTCDataChannelState = 'connecting';
  bufferedAmount = 0;
  readonly sent: string[] = [];
  carry: (data: string) => void = () => {};

  send(data: string): void {
    if (this.readyState !== 'open') throw new DOMException('The channel is not open.', 'InvalidStateError');
    this.sent.push(data);
    this.carry(data);
  }

  /** Delivers a frame from the far end. */
  receive(data: unknown): void {
    if (this.readyState === 'open') this.dispatchEvent(new MessageEvent('message', { data }));
  }

  open(): void {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
}

/** How badly a {@link Link} treats frames. */
export interface LinkFaults {
  loss: number;
  duplicate: number;
  /** Each copy is delayed by a random 0..maxDelayMs, which reorders frames. */
  maxDelayMs: number;
}

/** Two channel ends joined by a faulty wire. Frames in flight when it closes are lost. */
export class Link {
  readonly a = new FakeChannel();
  readonly b = new FakeChannel();

  constructor(random: () => number, faults: LinkFaults) {
    const wire = (to: FakeChannel) => (data: string) => {
      if (random() < faults.loss) return;
      const copies = random() < faults.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) setTimeout(() => to.receive(data), Math.floor(random() * faults.maxDelayMs));
    };
    this.a.carry = wire(this.b);
    this.b.carry = wire(this.a);
  }

  open(): void {
    this.a.open();
    this.b.open();
  }

  close(): void {
    this.a.close();
    this.b.close();
  }
}

/** A ChatStorage kept in memory: what sessionStorage holds for one room of one tab. */
export function memoryStorage(): ChatStorage & { value: string | null } {
  return {
    value: null,
    get() {
      return this.value;
    },
    set(value: string) {
      this.value = value;
    },
    remove() {
      this.value = null;
    },
  };
}

/** Resolves when `check()` holds, re-checking on every `change`; rejects with `describe()` after `ms`. */
export function untilChat(
  chats: ChatChannel[],
  check: () => boolean,
  describe: () => string,
  ms = 20_000,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onChange = (): void => {
      if (!check()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`chat did not converge: ${describe()}`));
    }, ms);
    const done = (): void => {
      clearTimeout(timer);
      for (const chat of chats) chat.removeEventListener('change', onChange);
    };
    for (const chat of chats) chat.addEventListener('change', onChange);
  });
}

/** The texts of the messages `from` one side, in the order shown. */
export function texts(messages: readonly ChatMessage[], from: ChatMessage['from']): string[] {
  return messages.filter((message) => message.from === from).map((message) => message.text);
}

/** A resolved promise after `ms` of real time: lets frames in flight land between two steps. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
