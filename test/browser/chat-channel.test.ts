import { expect } from '@open-wc/testing';
import type { ChatDropReason } from '../../src/protocol/chat.js';
import {
  CHAT_LIMITS,
  ChatChannel,
  ChatError,
  sessionChatStorage,
  type ChatDropEvent,
  type ChatLimits,
  type ChatMessage,
  type ChatMessageEvent,
} from '../../src/webrtc/chat-channel.js';
import { FakeChannel, Link, type LinkFaults, memoryStorage, pause, prng, texts, untilChat } from './chat-link.js';

/** Limits for the stress tests: no rate limits in the way, quick retries and acknowledgements. */
const FAST: Partial<ChatLimits> = { sendRate: 1e6, inboundRate: 1e6, retryMs: 10, ackDelayMs: 2, historyMessages: 1e4 };
const FAULTS: LinkFaults = { loss: 0.15, duplicate: 0.1, maxDelayMs: 8 };
const RELIABLE: LinkFaults = { loss: 0, duplicate: 0, maxDelayMs: 0 };

/** A new link between `a` (end a) and `b` (end b); either may notice it first, before or after it opens. */
function connect(a: ChatChannel, b: ChatChannel, random: () => number, faults = FAULTS): Link {
  const link = new Link(random, faults);
  const [first, second] =
    random() < 0.5
      ? ([
          [a, link.a],
          [b, link.b],
        ] as const)
      : ([
          [b, link.b],
          [a, link.a],
        ] as const);
  first[0].attach(first[1]);
  if (random() < 0.5) {
    link.open();
    second[0].attach(second[1]);
  } else {
    second[0].attach(second[1]);
    link.open();
  }
  return link;
}

const settled = (chat: ChatChannel) => chat.messages.every((m) => m.from === 'remote' || m.status === 'delivered');
const summary = (chats: ChatChannel[]) =>
  chats
    .map((chat, i) => {
      const local = chat.messages.filter((m) => m.from === 'local');
      const waiting = local.filter((m) => m.status !== 'delivered').length;
      return `side ${i}: ${local.length} local (${waiting} waiting), ${texts(chat.messages, 'remote').length} remote`;
    })
    .join('; ');

/** A chat attached to an open channel whose far end the test plays by hand. */
function manual(limits: Partial<ChatLimits> = {}, now?: () => number) {
  const chat = new ChatChannel({ limits, now });
  const channel = new FakeChannel();
  chat.attach(channel);
  channel.open();
  const drops: ChatDropReason[] = [];
  chat.addEventListener('dropped', (event) => drops.push((event as ChatDropEvent).reason));
  const frames = () => channel.sent.map((frame) => JSON.parse(frame) as Record<string, unknown>);
  return { chat, channel, drops, frames };
}

const PEER = 'peer-stream-1';
const hello = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, hello: PEER, first: 1, ack: 0, of: '', heard: true, ...fields });
const frame = (seq: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, id: `message-${seq}`, seq, at: 1000 + seq, text: `text ${seq}`, ...fields });

async function refusal(sending: Promise<unknown>): Promise<ChatError> {
  try {
    await sending;
  } catch (error) {
    expect(error).to.be.instanceOf(ChatError);
    return error as ChatError;
  }
  throw new Error('the send was not refused');
}

describe('ChatChannel: delivery through a lossy, reordering, duplicating link', function () {
  this.timeout(60_000);

  it('each side ends with exactly the other side’s texts, once each, in order, across link drops', async () => {
    const N = 300;
    for (const seed of [1, 2, 3, 4]) {
      const random = prng(seed);
      const a = new ChatChannel({ limits: FAST });
      const b = new ChatChannel({ limits: FAST });
      const sends: Promise<ChatMessage>[] = [];
      let link = connect(a, b, random);
      let reopened = 0;
      for (let i = 0; i < N; i++) {
        sends.push(a.send(`a${i}`), b.send(`b${i}`));
        if (random() < 0.3) await pause(random() * 4);
        if (i % 40 === 39) {
          // The channel goes away (closed on both ends, or one side moves on), stays down for a
          // while (sends wait as pending), and a new one opens.
          const kind = random();
          if (kind < 0.4) link.close();
          else if (kind < 0.7) (random() < 0.5 ? a : b).detach();
          if (random() < 0.5) {
            sends.push(a.send(`a${++i}`), b.send(`b${i}`));
            await pause(random() * 10);
          }
          link = connect(a, b, random);
          reopened++;
        }
      }
      await untilChat(
        [a, b],
        () => settled(a) && settled(b),
        () => `seed ${seed}: ${summary([a, b])}`,
      );
      const delivered = await Promise.all(sends);
      link.close();
      a.detach();
      b.detach();

      const expected = (side: string) => Array.from({ length: N }, (_, i) => `${side}${i}`);
      expect(reopened, 'link reopens').to.be.greaterThan(5);
      expect(texts(b.messages, 'remote'), `seed ${seed}: b got a's texts`).to.deep.equal(expected('a'));
      expect(texts(a.messages, 'remote'), `seed ${seed}: a got b's texts`).to.deep.equal(expected('b'));
      expect(texts(a.messages, 'local')).to.deep.equal(expected('a'));
      expect(delivered.every((message) => message.status === 'delivered')).to.equal(true);
      expect(new Set(delivered.map((message) => message.id)).size).to.equal(2 * N);
      // Noise on the wire is not malformed input.
      expect(a.dropped + b.dropped, 'frames dropped').to.equal(0);
    }
  });

  it('a side reloaded from storage continues: nothing lost, nothing twice, on either side', async () => {
    for (const seed of [11, 12, 13]) {
      const random = prng(seed);
      const stores = [memoryStorage(), memoryStorage()];
      const chats = stores.map((storage) => new ChatChannel({ storage, limits: FAST }));
      const sent: string[][] = [[], []];
      let link = connect(chats[0]!, chats[1]!, random);
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 40; i++) {
          for (const side of [0, 1]) {
            const text = `${side}:${round}:${i}`;
            sent[side]!.push(text);
            // A reload abandons the promises of the old page; what they stand for must still arrive.
            chats[side]!.send(text).catch(() => {});
          }
          if (random() < 0.3) await pause(random() * 4);
        }
        // One side reloads mid-traffic: its page stops, the peer may or may not see the channel
        // close before the new page's connection arrives.
        const side = round % 2;
        const old = chats[side]!;
        old.detach();
        if (random() < 0.5) link.close();
        await pause(random() * 5);
        const restored = new ChatChannel({ storage: stores[side], limits: FAST });
        expect(restored.messages, `seed ${seed} round ${round}: restored`).to.deep.equal(old.messages);
        chats[side] = restored;
        link = connect(chats[0]!, chats[1]!, random);
      }
      const [a, b] = chats as [ChatChannel, ChatChannel];
      // The pages after the last reloads write too, and their send() promises resolve.
      const last = [a.send('a last'), b.send('b last')];
      sent[0]!.push('a last');
      sent[1]!.push('b last');
      await untilChat(
        [a, b],
        () => settled(a) && settled(b) && texts(a.messages, 'remote').length === sent[1]!.length,
        () => `seed ${seed}: ${summary([a, b])}`,
      );
      expect((await Promise.all(last)).map((m) => m.status)).to.deep.equal(['delivered', 'delivered']);
      link.close();
      a.detach();
      b.detach();
      expect(texts(b.messages, 'remote'), `seed ${seed}: b got a's texts`).to.deep.equal(sent[0]);
      expect(texts(a.messages, 'remote'), `seed ${seed}: a got b's texts`).to.deep.equal(sent[1]);
      expect(texts(a.messages, 'local')).to.deep.equal(sent[0]);
      expect(texts(b.messages, 'local')).to.deep.equal(sent[1]);
      expect(a.dropped + b.dropped).to.equal(0);
    }
  });

  it('a peer that lost its state starts a new stream: its new texts are not taken for duplicates', async () => {
    const random = prng(21);
    const b = new ChatChannel({ limits: FAST });
    let a = new ChatChannel({ limits: FAST });
    let link = connect(a, b, random);
    await Promise.all([a.send('a1'), a.send('a2'), b.send('b1')]);
    // a reloads with no storage (blocked, or another tab); b keeps what it had and writes meanwhile.
    a.detach();
    link.close();
    const waiting = [b.send('b2'), b.send('b3')];
    a = new ChatChannel({ limits: FAST });
    link = connect(a, b, random);
    await Promise.all([a.send('a3'), a.send('a4'), ...waiting]);
    await untilChat(
      [a, b],
      () => settled(a) && settled(b),
      () => summary([a, b]),
    );
    link.close();
    a.detach();
    b.detach();
    expect(texts(b.messages, 'remote')).to.deep.equal(['a1', 'a2', 'a3', 'a4']);
    expect(texts(a.messages, 'remote')).to.deep.equal(['b2', 'b3']);
  });

  it('sends through a real RTCDataChannel, and across a new RTCPeerConnection', async () => {
    async function connection(): Promise<{ channels: RTCDataChannel[]; close: () => void }> {
      const pcs = [new RTCPeerConnection(), new RTCPeerConnection()] as const;
      const channels = pcs.map((pc) => pc.createDataChannel('rtc-call', { negotiated: true, id: 0 }));
      pcs[0].addEventListener('icecandidate', ({ candidate }) => candidate && void pcs[1].addIceCandidate(candidate));
      pcs[1].addEventListener('icecandidate', ({ candidate }) => candidate && void pcs[0].addIceCandidate(candidate));
      await pcs[0].setLocalDescription();
      await pcs[1].setRemoteDescription(pcs[0].localDescription!);
      await pcs[1].setLocalDescription();
      await pcs[0].setRemoteDescription(pcs[1].localDescription!);
      return { channels, close: () => pcs.forEach((pc) => pc.close()) };
    }
    const a = new ChatChannel();
    const b = new ChatChannel();
    const first = await connection();
    a.attach(first.channels[0]!);
    b.attach(first.channels[1]!);
    const incoming = new Promise<ChatMessage>((resolve) =>
      b.addEventListener('message', (event) => resolve((event as ChatMessageEvent).message), { once: true }),
    );
    const hi = await a.send('hello over SCTP');
    expect(hi.status).to.equal('delivered');
    expect((await incoming).text).to.equal('hello over SCTP');
    expect((await b.send('hi back')).status).to.equal('delivered');

    first.close();
    const queued = [a.send('while down 1'), b.send('while down 2'), a.send('while down 3')];
    const second = await connection();
    a.attach(second.channels[0]!);
    b.attach(second.channels[1]!);
    await Promise.all(queued);
    second.close();
    a.detach();
    b.detach();
    expect(texts(b.messages, 'remote')).to.deep.equal(['hello over SCTP', 'while down 1', 'while down 3']);
    expect(texts(a.messages, 'remote')).to.deep.equal(['hi back', 'while down 2']);
  });
});

describe('ChatChannel: statuses, queueing and storage', () => {
  it('a message waits as pending until the peer is there, then is sent, then delivered', async () => {
    const chat = new ChatChannel();
    const sending = chat.send('early');
    expect(chat.messages.map((m) => [m.text, m.from, m.status])).to.deep.equal([['early', 'local', 'pending']]);
    const channel = new FakeChannel();
    chat.attach(channel);
    channel.open();
    expect(channel.sent.map((f) => Object.keys(JSON.parse(f) as object).length)).to.deep.equal([6]); // hello only
    expect(chat.messages[0]!.status).to.equal('pending');
    channel.receive(hello());
    expect(chat.messages[0]!.status).to.equal('sent');
    const sent = JSON.parse(channel.sent.at(-1)!) as Record<string, unknown>;
    expect(sent).to.include({ v: 1, seq: 1, text: 'early', id: chat.messages[0]!.id });
    // The channel drops before the acknowledgement: pending again, and resent on the next one.
    channel.close();
    expect(chat.messages[0]!.status).to.equal('pending');
    const next = new FakeChannel();
    chat.attach(next);
    next.open();
    next.receive(hello({ heard: false }));
    const frames = next.sent.map((f) => JSON.parse(f) as Record<string, unknown>);
    expect(frames.filter((f) => 'hello' in f)).to.have.length(2); // the opening one and the answer
    expect(frames.filter((f) => f.text === 'early')).to.have.length(1);
    next.receive(JSON.stringify({ v: 1, ack: 1 }));
    const delivered = await sending;
    expect(delivered.status).to.equal('delivered');
    expect(chat.messages).to.deep.equal([delivered]);
    chat.detach();
  });

  it('a message written while the channel is open goes at once, behind its hello, before the peer’s hello', () => {
    const { chat, channel, frames } = manual();
    chat.send('quick').catch(() => {});
    expect(frames().map((f) => ('hello' in f ? 'hello' : f.text))).to.deep.equal(['hello', 'quick']);
    expect(chat.messages[0]!.status).to.equal('sent');
    // A peer that had our hello when it wrote its own has the message too: not sent again.
    channel.receive(hello());
    expect(frames().filter((f) => f.text === 'quick')).to.have.length(1);
    // One that had not may have missed both: our answer, then the message again.
    const next = new FakeChannel();
    chat.attach(next);
    next.open();
    chat.send('again').catch(() => {});
    next.receive(hello({ heard: false }));
    const sent = next.sent.map((f) => JSON.parse(f) as Record<string, unknown>);
    expect(sent.map((f) => ('hello' in f ? `hello ${String(f.heard)}` : f.text))).to.deep.equal([
      'hello false',
      'again',
      'hello true',
      'quick',
      'again',
    ]);
    chat.detach();
  });

  it('acknowledges the first message at once and coalesces the ones right after it', async () => {
    const { chat, channel, frames } = manual({ ackDelayMs: 30 });
    const acks = () => frames().filter((f) => 'ack' in f && !('hello' in f));
    channel.receive(hello());
    channel.receive(frame(1));
    expect(acks()).to.deep.equal([{ v: 1, ack: 1 }]);
    channel.receive(frame(2));
    channel.receive(frame(3));
    expect(acks()).to.have.length(1);
    await pause(60);
    expect(acks()).to.deep.equal([
      { v: 1, ack: 1 },
      { v: 1, ack: 3 },
    ]);
    await pause(40); // quiet again: the next one goes at once
    channel.receive(frame(4));
    expect(acks().at(-1)).to.deep.equal({ v: 1, ack: 4 });
    chat.detach();
  });

  it('a reply sent from a message listener shares the save of the message it answers', async () => {
    const storage = memoryStorage();
    let saves = 0;
    const counted = { ...storage, set: (value: string) => (saves++, storage.set(value)) };
    const chat = new ChatChannel({ storage: counted });
    const channel = new FakeChannel();
    chat.attach(channel);
    channel.open();
    channel.receive(hello());
    await pause(0);
    saves = 0;
    chat.addEventListener('message', () => void Promise.resolve().then(() => chat.send('reply').catch(() => {})));
    channel.receive(frame(1));
    await pause(0);
    expect(saves).to.equal(1);
    const saved = JSON.parse(storage.value!) as { log: { text: string }[] };
    expect(saved.log.map((m) => m.text)).to.deep.equal(['text 1', 'reply']);
    chat.detach();
  });

  it('frames of a stream it has not heard a hello for are ignored, not counted', () => {
    const { chat, channel, drops } = manual();
    channel.receive(frame(1));
    channel.receive(JSON.stringify({ v: 1, ack: 0 }));
    expect(chat.messages).to.have.length(0);
    channel.receive(hello());
    channel.receive(frame(1));
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['text 1']);
    expect(drops).to.deep.equal([]);
    chat.detach();
  });

  it('orders by seq, holds what came early, drops duplicates by seq and by id, acknowledges cumulatively', async () => {
    const { chat, channel, frames } = manual({ ackDelayMs: 0 });
    const events: string[] = [];
    chat.addEventListener('message', (event) => events.push((event as ChatMessageEvent).message.text));
    channel.receive(hello());
    for (const seq of [3, 1, 3, 2, 1]) channel.receive(frame(seq));
    channel.receive(frame(4, { id: 'message-2' })); // a new seq with an id already shown
    channel.receive(frame(5));
    expect(events).to.deep.equal(['text 1', 'text 2', 'text 3', 'text 5']);
    expect(chat.messages.map((m) => [m.text, m.from, m.status, m.at])).to.deep.equal([
      ['text 1', 'remote', 'delivered', 1001],
      ['text 2', 'remote', 'delivered', 1002],
      ['text 3', 'remote', 'delivered', 1003],
      ['text 5', 'remote', 'delivered', 1005],
    ]);
    await pause(5);
    expect(frames().at(-1)).to.deep.equal({ v: 1, ack: 5 });
    // A resend of something it has: the acknowledgement was lost, so it is sent again.
    channel.receive(frame(2));
    await pause(5);
    expect(frames().filter((f) => f.ack === 5 && !('hello' in f)).length).to.equal(2);
    chat.detach();
  });

  it('skips what the peer no longer holds, and counts a new peer stream from its start', () => {
    const { chat, channel } = manual();
    channel.receive(hello());
    channel.receive(frame(1));
    // The peer says messages before 4 are gone (acknowledged to a state of ours that was lost).
    channel.receive(frame(5));
    channel.receive(hello({ first: 4 }));
    channel.receive(frame(4));
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['text 1', 'text 4', 'text 5']);
    // Another stream (the peer started over): seq 1 is new, not a duplicate.
    channel.receive(hello({ hello: 'peer-stream-2' }));
    channel.receive(frame(1, { id: 'another-1', text: 'again' }));
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['text 1', 'text 4', 'text 5', 'again']);
    chat.detach();
  });

  it('survives a reload: restores messages, outbox and both counters from storage', async () => {
    const storage = memoryStorage();
    const a = new ChatChannel({ storage });
    const channel = new FakeChannel();
    a.attach(channel);
    channel.open();
    channel.receive(hello());
    channel.receive(frame(1));
    const first = a.send('one');
    a.send('two').catch(() => {});
    channel.receive(JSON.stringify({ v: 1, ack: 1 }));
    await first;
    a.detach();
    await pause(0);

    const b = new ChatChannel({ storage });
    expect(b.messages.map((m) => [m.text, m.from, m.status])).to.deep.equal([
      ['text 1', 'remote', 'delivered'],
      ['one', 'local', 'delivered'],
      ['two', 'local', 'pending'],
    ]);
    const next = new FakeChannel();
    b.attach(next);
    next.open();
    const opening = JSON.parse(next.sent[0]!) as Record<string, unknown>;
    expect(opening).to.include({ first: 2, ack: 1, of: PEER, heard: false });
    next.receive(hello({ of: opening.hello, ack: 1 }));
    const resent = next.sent.map((f) => JSON.parse(f) as Record<string, unknown>).filter((f) => 'text' in f);
    expect(resent).to.have.length(1);
    expect(resent[0]).to.include({ seq: 2, text: 'two' });
    const three = b.send('three');
    expect(JSON.parse(next.sent.at(-1)!)).to.include({ seq: 3, text: 'three' });
    next.receive(frame(1)); // already shown before the reload
    next.receive(frame(2));
    next.receive(JSON.stringify({ v: 1, ack: 3 }));
    await three;
    expect(b.messages.map((m) => m.text)).to.deep.equal(['text 1', 'one', 'two', 'three', 'text 2']);
    expect(b.messages.every((m) => m.status === 'delivered')).to.equal(true);
    b.detach();
  });

  it('clear() forgets the conversation and its storage, and rejects waiting sends with "closed"', async () => {
    const storage = memoryStorage();
    const chat = new ChatChannel({ storage });
    const waiting = chat.send('unsent');
    await pause(0);
    expect(storage.value).to.be.a('string');
    const changed = new Promise((resolve) => chat.addEventListener('change', resolve, { once: true }));
    chat.clear();
    expect((await refusal(waiting)).code).to.equal('closed');
    await changed;
    expect(chat.messages).to.deep.equal([]);
    expect(storage.value).to.equal(null);
    expect(new ChatChannel({ storage }).messages).to.deep.equal([]);
  });

  it('storage that throws or holds garbage never breaks the chat', async () => {
    const broken = {
      get: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
      set: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      remove: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
    };
    const random = prng(31);
    const a = new ChatChannel({ storage: broken, limits: FAST });
    const garbage = memoryStorage();
    garbage.value = '{"v":1,"stream":"x","first":1,"peer":"","got":0,"log":[{"id":1}]}';
    const b = new ChatChannel({ storage: garbage, limits: FAST });
    expect(b.messages).to.deep.equal([]);
    const link = connect(a, b, random, RELIABLE);
    await Promise.all([a.send('fine'), b.send('also fine')]);
    link.close();
    expect(texts(b.messages, 'remote')).to.deep.equal(['fine']);
    expect(texts(a.messages, 'remote')).to.deep.equal(['also fine']);
    garbage.value = 'not json';
    expect(new ChatChannel({ storage: garbage }).messages).to.deep.equal([]);
  });

  it('keeps at most historyMessages delivered messages, and every waiting one', async () => {
    const { chat, channel } = manual({ historyMessages: 3 });
    channel.receive(hello());
    for (let seq = 1; seq <= 5; seq++) channel.receive(frame(seq));
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['text 3', 'text 4', 'text 5']);
    chat.send('w1').catch(() => {});
    chat.send('w2').catch(() => {});
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['text 5', 'w1', 'w2']);
    chat.detach();
    for (const text of ['w3', 'w4']) chat.send(text).catch(() => {});
    expect(chat.messages.map((m) => [m.text, m.status])).to.deep.equal(
      ['w1', 'w2', 'w3', 'w4'].map((text) => [text, 'pending']),
    );
  });
});

/** Fills this tab's sessionStorage until it throws a real QuotaExceededError; returns the filler keys. */
function fillSessionStorage(): string[] {
  const keys: string[] = [];
  for (let size = 1 << 20; size >= 64; size >>= 1) {
    const chunk = 'x'.repeat(size);
    for (;;) {
      const key = `filler-${keys.length}`;
      try {
        sessionStorage.setItem(key, chunk);
      } catch (error) {
        expect((error as DOMException).name).to.equal('QuotaExceededError');
        break;
      }
      keys.push(key);
    }
  }
  return keys;
}

describe('ChatChannel: sessionStorage (issue 13 item 10c)', () => {
  const key = 'rtc-call:chat:storage-test';
  let fillers: string[] = [];
  afterEach(() => {
    for (const filler of fillers) sessionStorage.removeItem(filler);
    fillers = [];
    sessionStorage.removeItem(key);
  });

  it('bounds the saved history by bytes: the newest delivered messages up to historyBytes, every waiting one', async () => {
    const historyBytes = 64 * 1024;
    const limits = { historyBytes, historyMessages: 1e4, inboundRate: 1e6 };
    const stored = new ChatChannel({ storage: sessionChatStorage(key), limits });
    const channel = new FakeChannel();
    stored.attach(channel);
    channel.open();
    channel.receive(hello());
    const text = (seq: number) => `${seq}:`.padEnd(3000, 'y');
    for (let seq = 1; seq <= 100; seq++) channel.receive(frame(seq, { text: text(seq) }));
    stored.detach();
    stored.send('waiting').catch(() => {});
    await pause(0);
    const saved = sessionStorage.getItem(key)!;
    // 100 texts of 3,000 characters are 600 KB as Web Storage counts them: far over the bound.
    expect(2 * saved.length).to.be.at.most(historyBytes + 4096);
    const kept = stored.messages.filter((m) => m.from === 'remote').map((m) => m.text);
    expect(kept.length).to.be.within(5, 15);
    expect(kept).to.deep.equal(Array.from({ length: kept.length }, (_, i) => text(101 - kept.length + i)));
    expect(stored.messages.at(-1)).to.include({ text: 'waiting', status: 'pending' });
    const reloaded = new ChatChannel({ storage: sessionChatStorage(key) });
    expect(reloaded.messages.map((m) => m.text)).to.deep.equal(stored.messages.map((m) => m.text));
  });

  it('survives a real QuotaExceededError: keeps the waiting messages saved without the history', async () => {
    const storage = sessionChatStorage(key);
    const limits = { inboundRate: 1e6, sendRate: 1e6 };
    const a = new ChatChannel({ storage, limits });
    const channel = new FakeChannel();
    a.attach(channel);
    channel.open();
    channel.receive(hello());
    for (let seq = 1; seq <= 100; seq++) channel.receive(frame(seq, { text: 'h'.repeat(2000) }));
    await pause(0);
    const history = sessionStorage.getItem(key)!.length;
    sessionStorage.removeItem(key); // (a value replaced in place needs only the difference)
    // Full, then room for 16 to 64 thousand characters: the waiting message, not the history.
    fillers = fillSessionStorage();
    for (let freed = 0; freed < 16 * 1024;) {
      const filler = fillers.pop()!;
      freed += sessionStorage.getItem(filler)!.length;
      sessionStorage.removeItem(filler);
    }
    expect(history).to.be.greaterThan(150_000);
    a.detach();
    a.send('keep me').catch(() => {});
    await pause(0);
    const restored = new ChatChannel({ storage });
    expect(restored.messages.map((m) => [m.text, m.status])).to.deep.equal([['keep me', 'pending']]);
    expect(a.unsaved).to.equal(false);
  });

  it('says so (unsaved) when even the waiting messages cannot be saved, and clears it once they can', async () => {
    const storage = sessionChatStorage(key);
    const a = new ChatChannel({ storage });
    fillers = fillSessionStorage();
    const changed = new Promise((resolve) => a.addEventListener('change', resolve, { once: true }));
    a.send('x'.repeat(3000)).catch(() => {});
    await changed;
    expect(a.unsaved).to.equal(true);
    expect(sessionStorage.getItem(key)).to.equal(null);
    for (const filler of fillers.splice(0, 4)) sessionStorage.removeItem(filler);
    a.send('again').catch(() => {});
    await pause(0);
    expect(a.unsaved).to.equal(false);
    expect(new ChatChannel({ storage }).messages.map((m) => m.status)).to.deep.equal(['pending', 'pending']);
  });
});

describe('ChatChannel: limits', () => {
  it('refuses empty and too long texts with a clear message, and keeps no trace of them', async () => {
    const chat = new ChatChannel();
    expect((await refusal(chat.send(''))).code).to.equal('empty');
    expect((await refusal(chat.send(' \n\t '))).code).to.equal('empty');
    const long = await refusal(chat.send('x'.repeat(CHAT_LIMITS.maxTextLength + 1)));
    expect(long.code).to.equal('too-long');
    expect(long.message).to.contain('4000');
    expect(chat.messages).to.deep.equal([]);
    chat.send('x'.repeat(CHAT_LIMITS.maxTextLength)).catch(() => {});
    expect(chat.messages).to.have.length(1);
  });

  it('refuses with outbox-full beyond its count or bytes', async () => {
    const byCount = new ChatChannel({ limits: { outboxMessages: 3 } });
    for (let i = 0; i < 3; i++) byCount.send(`m${i}`).catch(() => {});
    const full = await refusal(byCount.send('one more'));
    expect(full.code).to.equal('outbox-full');
    expect(byCount.messages).to.have.length(3);

    const byBytes = new ChatChannel({ limits: { outboxBytes: 1000 } });
    byBytes.send('x'.repeat(800)).catch(() => {});
    expect((await refusal(byBytes.send('y'.repeat(200)))).code).to.equal('outbox-full');
    byBytes.send('small').catch(() => {});
    expect(byBytes.messages).to.have.length(2);
  });

  it('refuses with rate-limited beyond its send rate, and allows again as time passes', async () => {
    let now = 1_000_000;
    const chat = new ChatChannel({ limits: { sendRate: 2 }, now: () => now });
    for (let i = 0; i < 4; i++) chat.send(`m${i}`).catch(() => {}); // a burst of twice the rate
    expect((await refusal(chat.send('too fast'))).code).to.equal('rate-limited');
    now += 500;
    chat.send('later').catch(() => {});
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'later']);
    expect(chat.messages.at(-1)!.at).to.equal(now);
  });

  it('a maximal text of the worst characters for JSON fits a frame, and arrives intact', async () => {
    const random = prng(41);
    const a = new ChatChannel({ limits: FAST });
    const b = new ChatChannel({ limits: FAST });
    const link = connect(a, b, random, RELIABLE);
    // Control characters and lone surrogates take 6 bytes each as JSON escapes.
    const worst = ['\u0001', '\ud800', '"', '\\', 'é', '好'].map((c) => c.repeat(CHAT_LIMITS.maxTextLength));
    worst.push('x\u2028'.repeat(CHAT_LIMITS.maxTextLength / 2), '\u{1F600}'.repeat(CHAT_LIMITS.maxTextLength / 2));
    for (const text of worst) await a.send(text);
    link.close();
    const frameBytes = link.a.sent.map((f) => new TextEncoder().encode(f).length);
    expect(Math.max(...frameBytes)).to.be.within(24_000, CHAT_LIMITS.maxFrameBytes);
    expect(texts(b.messages, 'remote')).to.deep.equal(worst);
    expect(b.dropped).to.equal(0);
  });

  it('drops and counts every kind of malformed frame, and never throws', () => {
    const { chat, channel, drops } = manual();
    channel.receive(hello());
    const cases: [unknown, ChatDropReason][] = [
      [new ArrayBuffer(8), 'binary'],
      [new Blob(['{}']), 'binary'],
      [new Uint8Array([123, 125]), 'binary'],
      [' '.repeat(CHAT_LIMITS.maxFrameBytes + 1), 'too-large'],
      [`"${'é'.repeat(CHAT_LIMITS.maxFrameBytes / 2)}"`, 'too-large'], // short in UTF-16, long in UTF-8
      ['', 'json'],
      ['{"v":1,', 'json'],
      ["{'v':1}", 'json'],
      ['null', 'invalid'],
      ['"text"', 'invalid'],
      ['42', 'invalid'],
      ['[1,2]', 'invalid'],
      ['['.repeat(10_000) + ']'.repeat(10_000), 'invalid'],
      [JSON.stringify(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]))), 'invalid'],
      [frame(1, { v: 2 }), 'version'],
      [frame(1, { v: '1' }), 'invalid'],
      [JSON.stringify({ id: 'message-1', seq: 1, at: 1, text: 'no v' }), 'invalid'],
      [frame(1, { seq: '1' }), 'invalid'],
      [frame(1, { seq: 0 }), 'invalid'],
      [frame(1, { seq: 1.5 }), 'invalid'],
      [frame(1, { seq: 2 ** 60 }), 'invalid'],
      [frame(1, { at: -1 }), 'invalid'],
      [frame(1, { id: 'short' }), 'invalid'],
      [frame(1, { id: 'has spaces in it' }), 'invalid'],
      [frame(1, { id: 'x'.repeat(65) }), 'invalid'],
      [frame(1, { text: 5 }), 'invalid'],
      [frame(1, { text: '' }), 'invalid'],
      [frame(1, { text: ' \n ' }), 'invalid'],
      [frame(1, { text: 'x'.repeat(CHAT_LIMITS.maxTextLength + 1) }), 'invalid'],
      [frame(1, { extra: true }), 'invalid'],
      ['{"v":1,"id":"message-1","seq":1,"at":1,"text":"x","__proto__":{}}', 'invalid'],
      [JSON.stringify({ v: 1, id: 'message-1', seq: 1, text: 'missing at' }), 'invalid'],
      [JSON.stringify({ v: 1, ack: -1 }), 'invalid'],
      [JSON.stringify({ v: 1, ack: '0' }), 'invalid'],
      [JSON.stringify({ v: 1, ack: 7 }), 'invalid'], // acknowledges a message never sent
      [hello({ heard: 'yes' }), 'invalid'],
      [hello({ first: 0 }), 'invalid'],
      [hello({ of: 'bad id!' }), 'invalid'],
      [hello({ hello: 42 }), 'invalid'],
    ];
    for (const [data, reason] of cases) {
      const before = chat.dropped;
      channel.receive(data);
      expect([chat.dropped - before, drops.at(-1)], String(data).slice(0, 80)).to.deep.equal([1, reason]);
    }
    expect(chat.messages).to.deep.equal([]);
    channel.receive(frame(1));
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['text 1']);
    chat.detach();
  });

  it('drops and counts frames beyond the reorder window', () => {
    const { chat, channel, drops } = manual({ outboxMessages: 5 });
    channel.receive(hello());
    channel.receive(frame(6));
    channel.receive(frame(5));
    expect(drops).to.deep.equal(['window']);
    for (let seq = 1; seq <= 4; seq++) channel.receive(frame(seq));
    expect(chat.messages.map((m) => m.text)).to.deep.equal([1, 2, 3, 4, 5].map((seq) => `text ${seq}`));
    chat.detach();
  });

  it('drops and counts frames over the inbound rate, and lets one outbox of resends through per open', () => {
    let now = 5_000_000;
    const { chat, channel, drops } = manual({ inboundRate: 10, outboxMessages: 30 }, () => now);
    // After an open: a burst of 2 × 10, plus 30 for resends.
    channel.receive(hello());
    for (let seq = 1; seq <= 100; seq++) channel.receive(frame(seq));
    expect(chat.messages).to.have.length(49);
    expect(drops).to.have.length(51);
    expect(new Set(drops)).to.deep.equal(new Set(['rate']));
    now += 1000; // ten more
    for (let seq = 50; seq <= 100; seq++) channel.receive(frame(seq));
    expect(chat.messages).to.have.length(59);
    chat.detach();
  });

  it('with default limits, a peer’s full outbox resent on open is not starved by the rate limit', async () => {
    const random = prng(51);
    const a = new ChatChannel({ limits: { sendRate: 1e6 } });
    const b = new ChatChannel();
    const sends = Array.from({ length: CHAT_LIMITS.outboxMessages }, (_, i) => a.send(`queued ${i}`));
    const link = connect(a, b, random, RELIABLE);
    await Promise.all(sends);
    link.close();
    expect(texts(b.messages, 'remote')).to.have.length(CHAT_LIMITS.outboxMessages);
    expect(b.dropped).to.equal(0);
  });

  it('a flood of hostile frames is dropped and counted without throwing', () => {
    const { chat, channel, drops } = manual();
    channel.receive(hello());
    const junk = ['{', 'null', '[]', frame(1, { v: 9 }), 'x'.repeat(40_000), frame(1, { extra: 1 })];
    for (let i = 0; i < 1000; i++) channel.receive(junk[i % junk.length]);
    for (let i = 0; i < 1000; i++) channel.receive(frame(1000 + i)); // valid-looking, too many, out of window
    expect(chat.dropped).to.equal(2000);
    expect(drops.filter((reason) => reason === 'rate').length).to.be.greaterThan(1000);
    expect(chat.messages).to.deep.equal([]);
    chat.detach();
  });
});
