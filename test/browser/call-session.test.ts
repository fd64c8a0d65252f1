// The call core on its own: two CallSessions in one page, without lit or any element, talking
// through the real signaling server of the run (web-test-runner.config.ts) over socket.io.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { CallSession, type CallSettings, type ChatCode } from '../../src/call/call-session.js';
import { UserMedia } from '../../src/call/user-media.js';
import type { CallState } from '../../src/events/events.js';
import type { DataChannelLike } from '../../src/webrtc/chat-channel.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';

const SIGNALING = (window as unknown as { __rtcTest: { signaling: string } }).__rtcTest.signaling;

/** One person: a session with real media and real signaling, and what it reported. */
interface Person {
  session: CallSession;
  media: UserMedia;
  states: CallState[];
  events: Event[];
  /** Every join request this person's signaling answered, in order. */
  joins: Array<{ resume?: boolean }>;
  /** Resolves when a join with `resume` (after a reconnect) was answered. */
  rejoined: Promise<void>;
}

const people: Person[] = [];

function person(room: string, extra: Partial<CallSettings> = {}, loadChat?: () => Promise<ChatCode>): Person {
  const settings: CallSettings = {
    room,
    token: '',
    audioOnly: false,
    ringTimeout: 0,
    iceServers: [],
    iceTransportPolicy: 'all',
    ...extra,
  };
  const media = new UserMedia();
  const joins: Person['joins'] = [];
  let resumed!: () => void;
  const rejoined = new Promise<void>((resolve) => (resumed = resolve));
  const session = new CallSession({
    settings,
    media,
    signaling: (url) => {
      const client = new SignalingClient(url);
      const join = client.join.bind(client);
      client.join = async (request) => {
        const answer = await join(request);
        joins.push(request);
        if (request.resume) resumed();
        return answer;
      };
      return client;
    },
    ...(loadChat ? { loadChat } : {}),
  });
  const someone: Person = { session, media, states: [], events: [], joins, rejoined };
  for (const type of ['rtc-state-change', 'rtc-peer-join', 'rtc-peer-leave', 'rtc-message', 'rtc-error']) {
    session.addEventListener(type, (event) => {
      someone.events.push(event);
      if (type === 'rtc-state-change') someone.states.push((event as Event & { state: CallState }).state);
    });
  }
  people.push(someone);
  return someone;
}

/** Resolves when `session` is in `state` (at once if it is already). */
function reach(session: CallSession, state: CallState): Promise<void> {
  if (session.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (session.state === state) {
        session.removeEventListener('change', check);
        resolve();
      } else if (session.state === 'failed' && state !== 'failed') {
        session.removeEventListener('change', check);
        reject(new Error(`failed instead of ${state}: ${session.error?.code} ${session.error?.message}`));
      }
    };
    session.addEventListener('change', check);
  });
}

/** Resolves when `test` holds, checked at every `change` of the session. */
function until(session: CallSession, test: () => boolean): Promise<void> {
  if (test()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (): void => {
      if (!test()) return;
      session.removeEventListener('change', check);
      resolve();
    };
    session.addEventListener('change', check);
  });
}

const roomName = (): string => `core-${Math.random().toString(36).slice(2, 10)}`;

/** Two people in a new room, connected: the first waits, the second joins and offers. */
async function call(room = roomName()): Promise<[Person, Person]> {
  const a = person(room);
  await a.session.join(SIGNALING);
  expect(a.session.state).to.equal('waiting');
  const b = person(room);
  await b.session.join(SIGNALING);
  await Promise.all([reach(a.session, 'connected'), reach(b.session, 'connected')]);
  return [a, b];
}

describe('CallSession (the call core, without lit)', () => {
  afterEach(async () => {
    await Promise.all(people.splice(0).map(({ session }) => session.hangup()));
  });

  it('loads no lit: the core runs without the element layer', () => {
    const loaded = performance.getEntriesByType('resource').map((entry) => entry.name);
    expect(loaded.some((name) => name.includes('/src/call/call-session.ts'))).to.equal(true);
    expect(loaded.filter((name) => /\/(lit|lit-html|lit-element|@lit)\//.test(name))).to.deep.equal([]);
    expect(customElements.get('rtc-call')).to.equal(undefined);
  });

  it('joins, negotiates both ways, and announces each side’s media to the other', async () => {
    const [a, b] = await call();
    expect(a.states).to.deep.equal(['joining', 'waiting', 'connecting', 'connected']);
    expect(b.states).to.deep.equal(['joining', 'connecting', 'connected']);
    await Promise.all([a, b].map(({ session }) => until(session, () => session.remoteMedia !== null)));
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      expect(self.session.remoteMedia).to.deep.equal({ audio: true, video: true, screen: false });
      const kinds = self.session.remoteStream!.getTracks().map((track) => track.kind);
      expect(kinds.sort()).to.deep.equal(['audio', 'video']);
      expect(self.session.localMedia).to.deep.equal(other.session.remoteMedia);
    }
    expect(a.events.filter((event) => event.type === 'rtc-peer-join')).to.have.length(1);

    // Muting is told to the other side over the control channel, without renegotiation.
    const offers = b.session.peer!.pc.localDescription!.sdp;
    a.session.setMicEnabled(false);
    await until(b.session, () => b.session.remoteMedia?.audio === false);
    expect(a.media.stream!.getAudioTracks()[0]!.enabled).to.equal(false);
    expect(b.session.peer!.pc.localDescription!.sdp).to.equal(offers);
  });

  it('recovers from a signaling blip of both sides without touching the call, then relays as before', async () => {
    const room = roomName();
    const [a, b] = await call(room);
    const pcs = [a.session.peer!.pc, b.session.peer!.pc];
    expect([a.joins.length, b.joins.length]).to.deep.equal([1, 1]);
    const closed = await executeServerCommand<number, { room: string }>('signaling-blip', { room });
    expect(closed).to.equal(2);
    // Each side reconnects by itself and takes its seat back (a join with `resume`).
    await Promise.all([a.rejoined, b.rejoined]);
    expect(a.joins[1]!.resume).to.equal(true);
    expect(b.joins[1]!.resume).to.equal(true);
    // The media path never depended on the server: same connections, still connected.
    expect([a.session.peer!.pc, b.session.peer!.pc]).to.deep.equal(pcs);
    expect(a.session.state).to.equal('connected');
    expect(b.session.state).to.equal('connected');
    expect(a.states.at(-1)).to.equal('connected');

    // Both seats were taken back: a hang-up reaches the other side, and a newcomer connects.
    await b.session.hangup();
    await reach(a.session, 'waiting');
    expect(a.events.some((event) => event.type === 'rtc-peer-leave')).to.equal(true);
    const c = person(room);
    await c.session.join(SIGNALING);
    await Promise.all([reach(a.session, 'connected'), reach(c.session, 'connected')]);
  });

  it('hangs up: the seat is freed, media stops, and the other side goes back to waiting', async () => {
    const room = roomName();
    const [a, b] = await call(room);
    const tracks = b.media.stream!.getTracks();
    await b.session.hangup();
    expect(b.session.state).to.equal('ended');
    expect(b.session.endReason).to.equal('hangup');
    expect(b.media.stream).to.equal(null);
    expect(tracks.every((track) => track.readyState === 'ended')).to.equal(true);
    expect(b.session.peer).to.equal(null);
    await reach(a.session, 'waiting');
    // The freed seat is taken at once by someone else (no grace period to sit through).
    const c = person(room);
    await c.session.join(SIGNALING);
    await reach(c.session, 'connected');
  });

  it('hangs up by itself after ringTimeout seconds alone, with endReason timeout', async () => {
    const a = person(roomName(), { ringTimeout: 1 });
    await a.session.join(SIGNALING);
    await reach(a.session, 'ended');
    expect(a.session.endReason).to.equal('timeout');
    expect(a.states).to.deep.equal(['joining', 'waiting', 'ended']);
  });

  it('hands the chat, once each and in order, every frame that arrived before its code had loaded', async () => {
    const room = roomName();
    const text = `while the chunk loads ${Math.random()}`;
    const a = person(room);
    await a.session.join(SIGNALING);
    // B's chat code is held back until a first chat frame of A is on B's data channel, as when
    // the chat chunk of the drop-in is still on its way when the peer's first frames come.
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (release = resolve));
    const onWire: string[] = [];
    const toChat: string[] = [];
    let loads = 0;
    const b = person(room, {}, async () => {
      loads += 1;
      const code = await import('../../src/webrtc/chat-channel.js');
      await arrived;
      // The real chat, seeing its channel through a window that records what reaches it.
      class RecordingChat extends code.ChatChannel {
        override attach(channel: DataChannelLike, to?: string): void {
          super.attach(
            {
              get readyState() {
                return channel.readyState;
              },
              get bufferedAmount() {
                return channel.bufferedAmount;
              },
              send: (data) => channel.send(data),
              addEventListener: (type, listener) =>
                channel.addEventListener(type, (event) => {
                  if (type === 'message') toChat.push((event as MessageEvent<string>).data);
                  listener(event);
                }),
              removeEventListener: () => undefined, // a test of one channel: it is never detached
            },
            to,
          );
        }
      }
      return { ...code, ChatChannel: RecordingChat };
    });
    await b.session.join(SIGNALING);
    b.session.peer!.channel.addEventListener('message', ({ data }) => {
      onWire.push(data as string);
      release();
    });
    // B writes before its chat exists: the message waits for the chat's code, then goes.
    const fromB = b.session.sendMessage('and one the other way');
    expect(b.session.chat).to.equal(null);
    const delivered = await a.session.sendMessage(text);
    expect(delivered.status).to.equal('delivered'); // B's chat acknowledged it: it ran
    expect((await fromB).status).to.equal('delivered');
    expect(onWire.length).to.be.greaterThan(0);
    expect(toChat).to.deep.equal(onWire);
    const received = b.events.filter((event) => event.type === 'rtc-message');
    expect(received.map((event) => (event as Event & { message: { text: string } }).message.text)).to.deep.equal([
      text,
    ]);
    expect(b.session.messages.filter((message) => message.text === text)).to.have.length(1);
    expect(a.session.messages.filter((message) => message.text === 'and one the other way')).to.have.length(1);
    expect(loads).to.equal(1);
  });
});
