import type { DataChannelLike } from '../webrtc/chat-channel.js';

/**
 * The chat's data channel while the chat's code may still be loading (it is a chunk of the
 * drop-in): messages that arrive before anyone listens are held, and handed, in order, to the first
 * `message` listener, right after it is added. Everything else passes through.
 */
export class HeldChannel implements DataChannelLike {
  /** The channel itself. */
  readonly channel: RTCDataChannel;
  #held: Event[] | null = [];
  readonly #hold = (event: Event): void => void this.#held?.push(event);

  constructor(channel: RTCDataChannel) {
    this.channel = channel;
    channel.addEventListener('message', this.#hold);
  }

  get readyState(): string {
    return this.channel.readyState;
  }

  get bufferedAmount(): number {
    return this.channel.bufferedAmount;
  }

  send(data: string): void {
    this.channel.send(data);
  }

  addEventListener(type: 'open' | 'message' | 'close', listener: (event: Event) => void): void {
    this.channel.addEventListener(type, listener);
    const held = type === 'message' && this.#held;
    if (!held) return;
    this.#held = null;
    this.channel.removeEventListener('message', this.#hold);
    // After the listener's owner has finished attaching (it may send its hello first), and before
    // the channel's next event, which is a task of its own.
    queueMicrotask(() => {
      for (const event of held) listener(event);
    });
  }

  removeEventListener(type: 'open' | 'message' | 'close', listener: (event: Event) => void): void {
    this.channel.removeEventListener(type, listener);
  }
}
