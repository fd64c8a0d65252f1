// The widget as a page embeds it: the drop-in bundle and one <rtc-call>, joined from script.
// The element gets its room in the same task as join(), so it does not start a camera preview
// first: media is acquired inside the timed join, as in the other variants.
import './rtc-call.js';
import { firstFrame, textOf } from './measure.js';

const el = document.createElement('rtc-call');
document.body.append(el);
await el.updateComplete;
const frame = firstFrame(el.shadowRoot.querySelector('video[part="remote-video"]'));

const reached = (state) =>
  new Promise((resolve) => {
    el.addEventListener('rtc-state-change', (event) => {
      if (event.state === state) resolve(Date.now());
    });
  });

window.bench = {
  frame,

  /** The first person: joins and waits; echoes every chat message but `hello` (acknowledged by the chat itself). */
  async seat({ signaling, room }) {
    el.addEventListener('rtc-message', ({ message }) => {
      if (message.text !== 'hello') el.sendMessage(message.text).catch(() => undefined);
    });
    const waiting = reached('waiting');
    el.signaling = signaling;
    el.room = room;
    void el.join();
    await waiting;
  },

  /** The second person: joins (the timed call); resolves once its own remote video shows a frame. */
  async call({ signaling, room }) {
    const connected = reached('connected');
    el.signaling = signaling;
    el.room = room;
    const joinAt = Date.now();
    void el.join();
    return { joinAt, connectedAt: await connected, frameAt: await frame };
  },

  /** The second person in a chat call: joins, and sends `hello` the moment it is connected. */
  async chat({ signaling, room }) {
    const connected = reached('connected');
    el.signaling = signaling;
    el.room = room;
    void el.join();
    const connectedAt = await connected;
    await el.sendMessage('hello');
    return { connectedAt, firstMessageAt: Date.now() };
  },

  /** Round trips of a `size`-byte chat message: sent, echoed by the first person, received. */
  async roundTrips(count, size) {
    const times = [];
    for (let i = 0; i < count; i += 1) {
      const reply = new Promise((resolve) =>
        el.addEventListener('rtc-message', () => resolve(Date.now()), { once: true }),
      );
      const start = Date.now();
      void el.sendMessage(textOf(size)).catch(() => undefined);
      times.push((await reply) - start);
    }
    return times;
  },
};
