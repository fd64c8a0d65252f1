import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/rtc-call.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { PeerSession } from '../../src/webrtc/peer-session.js';
import {
  SIGNALING,
  button,
  calls,
  cleanup,
  connectedPair,
  nextEvent,
  twoCalls,
  uniqueRoom,
  until,
  untilState,
} from './helpers.js';

function chatTexts(el: RtcCall, which = 'li:not(.empty)'): string[] {
  return [...el.shadowRoot!.querySelectorAll(`.messages ${which} p`)].map((p) => p.textContent!);
}

function textarea(el: RtcCall): HTMLTextAreaElement {
  return el.shadowRoot!.querySelector('textarea')!;
}

describe('<rtc-call> text chat', () => {
  afterEach(() => {
    cleanup();
    fixtureCleanup();
  });

  it('Enter sends, Shift+Enter breaks the line, the peer gets it once and the status shows delivered', async () => {
    const [a, b] = await connectedPair();
    button(a, 'Chat').click();
    await a.updateComplete;
    textarea(a).focus();
    await sendKeys({ type: 'hello' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'there' });
    expect(a.messages).to.have.length(0, 'Shift+Enter does not send');
    const received = nextEvent(b, 'rtc-message');
    await sendKeys({ press: 'Enter' });
    expect((await received).message.text).to.equal('hello\nthere');
    expect(textarea(a).value).to.equal('');
    await until(() => a.messages[0]?.status === 'delivered', 'the acknowledgement');
    await a.updateComplete;
    expect(a.shadowRoot!.querySelector('.messages li.message--local .meta')!.textContent).to.equal('Delivered');
    expect(b.messages.map((m) => [m.from, m.text])).to.deep.equal([['remote', 'hello\nthere']]);
    await expect(a).shadowDom.to.be.accessible();
  });

  it('your own messages sit inside the chat list, unmirrored, apart from the self-view', async () => {
    // The self-view is mirrored and floats over the video; a message of yours once shared its class.
    const [a, b] = await connectedPair();
    button(a, 'Chat').click();
    button(b, 'Chat').click();
    await a.sendMessage('mine');
    await until(() => a.messages[0]?.status === 'delivered', 'the acknowledgement');
    await until(() => b.messages.length === 1, 'the peer got it');
    await Promise.all([a.updateComplete, b.updateComplete]);
    for (const [el, selector] of [
      [a, 'your message'],
      [b, 'their message'],
    ] as const) {
      const li = [...el.shadowRoot!.querySelectorAll<HTMLElement>('.messages li')].find((item) =>
        item.textContent!.includes('mine'),
      )!;
      const list = el.shadowRoot!.querySelector<HTMLElement>('.messages')!.getBoundingClientRect();
      const box = li.getBoundingClientRect();
      expect(getComputedStyle(li).transform, `${selector} is not mirrored`).to.equal('none');
      expect(getComputedStyle(li).position, `${selector} is in the flow of the list`).to.equal('static');
      expect(box.left >= list.left && box.right <= list.right, `${selector} inside the list horizontally`).to.equal(
        true,
      );
      expect(box.top >= list.top && box.bottom <= list.bottom, `${selector} inside the list vertically`).to.equal(true);
    }
    const selfView = a.shadowRoot!.querySelector<HTMLVideoElement>('video[part="local-video"]')!;
    expect(getComputedStyle(selfView).transform, 'the self-view stays mirrored').to.not.equal('none');
  });

  it('counts unread messages on the chat toggle and announces them', async () => {
    const [a, b] = await connectedPair();
    await a.sendMessage('one');
    await a.sendMessage('two');
    await b.updateComplete;
    expect(button(b, 'Chat (2 new)').getAttribute('aria-pressed')).to.equal('false');
    expect(b.shadowRoot!.querySelector('.sr-only')!.textContent).to.include('New message: two');
    button(b, 'Chat (2 new)').click();
    await b.updateComplete;
    expect(chatTexts(b)).to.deep.equal(['one', 'two']);
    expect(button(b, 'Chat').getAttribute('aria-pressed')).to.equal('true');
  });

  it('refuses a text over 4,000 characters with a clear message and keeps the draft', async () => {
    const [a] = await connectedPair();
    button(a, 'Chat').click();
    await a.updateComplete;
    textarea(a).value = 'x'.repeat(4001);
    button(a, 'Send').click();
    await until(() => a.shadowRoot!.querySelector('[role="alert"]')!.textContent!.includes('4,000'), 'the error');
    expect(textarea(a).value).to.have.length(4001);
    let code = '';
    await a.sendMessage('y'.repeat(4001)).catch((error: { code: string }) => (code = error.code));
    expect(code).to.equal('too-long');
  });

  it('queues messages sent before the peer is there, delivers them when it arrives', async () => {
    const room = uniqueRoom();
    const [a] = calls(1, room);
    await untilState(a!, 'waiting');
    const sent = a!.sendMessage('early');
    await a!.updateComplete;
    expect(a!.messages[0]!.status).to.equal('pending');
    const [b] = calls(1, room);
    expect((await nextEvent(b!, 'rtc-message')).message.text).to.equal('early');
    expect((await sent).status).to.equal('delivered');
  });

  it('works when neither side has a camera or microphone', async () => {
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('none', 'NotFoundError'));
    try {
      const [a, b] = await connectedPair();
      expect(a.localStream).to.equal(null);
      expect(a.shadowRoot!.querySelector('[part="status"]')!.textContent).to.include('you can still watch');
      const received = nextEvent(b, 'rtc-message');
      await a.sendMessage('no devices');
      expect((await received).message.text).to.equal('no devices');
    } finally {
      navigator.mediaDevices.getUserMedia = original;
    }
  });

  it('renders an XSS corpus literally in both directions and runs none of it', async () => {
    const win = window as unknown as { __xss?: number };
    win.__xss = 0;
    const corpus = [
      '<img src=x onerror="window.__xss++">',
      '<svg onload="window.__xss++"></svg>',
      '<a href="javascript:window.__xss++">click</a>',
      'javascript:window.__xss++',
      '<script>window.__xss++</script>',
      '"><iframe srcdoc="<script>parent.__xss++</script>">',
      '\u202Egnp.exe',
      'مرحبا بالعالم — RTL',
      '👩‍💻🎉',
      '${window.__xss++}',
    ];
    const [a, b] = await connectedPair();
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      for (const text of corpus) await from.sendMessage(text);
      button(to, `Chat (${corpus.length} new)`).click();
      await to.updateComplete;
      expect(chatTexts(to, 'li.message--remote')).to.deep.equal(corpus);
      const list = to.shadowRoot!.querySelector('.messages')!;
      expect(list.querySelectorAll('img, svg, a, script, iframe')).to.have.length(0);
    }
    // A 64 KB string is refused at the sender with a reason, never half-sent.
    let code = '';
    await a.sendMessage('<b>'.repeat(22_000)).catch((error: { code: string }) => (code = error.code));
    expect(code).to.equal('too-long');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(win.__xss).to.equal(0);
  });

  it("announces a peer message holding $&, $`, $' and $1 verbatim in the live region (issue 13 item 9)", async () => {
    const [a, b] = await connectedPair();
    const text = "price $& before $` after $' group $1 dollar $$ end";
    const received = nextEvent(b, 'rtc-message');
    await a.sendMessage(text);
    await received;
    await b.updateComplete;
    expect(b.shadowRoot!.querySelector('.sr-only')!.textContent).to.equal(`New message: ${text}`);
  });

  it('a message waiting for someone who left is never delivered to whoever takes the seat next, and shows as not delivered (issue 13 item 10d)', async () => {
    const room = uniqueRoom();
    const [a, b] = await twoCalls(room);
    await Promise.all([untilState(a, 'connected'), untilState(b, 'connected')]);
    await b.sendMessage('hello from b');
    const waiting = untilState(a, 'waiting');
    b.remove(); // b leaves; its seat frees
    await waiting;
    let refused = '';
    const forB = a.sendMessage('for b only').catch((error: { code: string }) => (refused = error.code));
    await a.updateComplete;
    expect(a.messages.at(-1)).to.include({ text: 'for b only', status: 'pending' });

    const [c] = calls(1, room); // someone else takes the seat
    await Promise.all([untilState(a, 'connected'), untilState(c!, 'connected')]);
    // The chat between a and c works both ways: c would have had the message by now.
    const atA = nextEvent(a, 'rtc-message');
    await c!.sendMessage('hello from c');
    await atA;
    await a.sendMessage('for c');
    await forB;
    expect(refused).to.equal('peer-changed');
    expect(c!.messages.map((m) => m.text)).to.deep.equal(['hello from c', 'for c']);
    expect(a.messages.find((m) => m.text === 'for b only')!.status).to.equal('failed');
    button(a, 'Chat (2 new)').click();
    await a.updateComplete;
    const meta = [...a.shadowRoot!.querySelectorAll('.messages li.message--local')].map((li) => [
      li.querySelector('p')!.textContent,
      li.querySelector('.meta')!.textContent,
    ]);
    expect(meta).to.deep.equal([
      ['for b only', 'Not delivered'],
      ['for c', 'Delivered'],
    ]);
  });

  it('tells the user when sessionStorage is full and waiting messages could not be saved (issue 13 item 10c)', async () => {
    const room = uniqueRoom();
    const [a] = calls(1, room);
    await untilState(a!, 'waiting');
    button(a!, 'Chat').click();
    await a!.updateComplete;
    const fillers: string[] = [];
    try {
      for (let size = 1 << 20; size >= 64; size >>= 1) {
        const chunk = 'x'.repeat(size);
        for (;;) {
          try {
            sessionStorage.setItem(`filler-${fillers.length}`, chunk);
          } catch {
            break;
          }
          fillers.push(`filler-${fillers.length}`);
        }
      }
      void a!.sendMessage('x'.repeat(3000)).catch(() => {});
      const alert = () => a!.shadowRoot!.querySelector('[role="alert"]')!.textContent!.trim();
      await until(() => alert().includes('Storage is full'), 'the notice');
      for (const filler of fillers.splice(0)) sessionStorage.removeItem(filler);
      void a!.sendMessage('room again').catch(() => {});
      await until(() => alert() === '', 'the notice to go');
    } finally {
      for (const filler of fillers) sessionStorage.removeItem(filler);
    }
  });

  it('a hostile peer on a raw data channel cannot throw or freeze the page', async () => {
    const room = uniqueRoom();
    const el = await fixture<RtcCall>(html`<rtc-call room=${room} signaling=${SIGNALING} autojoin></rtc-call>`);
    await untilState(el, 'waiting');

    const errors: unknown[] = [];
    const onError = (event: ErrorEvent | PromiseRejectionEvent): void => {
      errors.push('reason' in event ? event.reason : event.message);
    };
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onError);
    const longTasks: number[] = [];
    const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
    observer.observe({ type: 'longtask', buffered: false });

    // The hostile peer: our own signaling and peer classes, with a data channel it abuses.
    const signaling = new SignalingClient(SIGNALING);
    await signaling.connect();
    const joined = await signaling.join({ room });
    const hostile = new PeerSession({
      polite: joined.polite,
      send: (signal) => void signaling.signal(signal),
    });
    signaling.on('signal', ({ from: _from, ...signal }) => void hostile.receive(signal));
    try {
      await until(() => hostile.channel.readyState === 'open', 'the raw channel to open');
      const channel = hostile.channel;
      const max = Math.min(256 * 1024, hostile.pc.sctp?.maxMessageSize ?? 65536);
      channel.send(new Uint8Array([1, 2, 3]).buffer);
      channel.send('{not json');
      channel.send(JSON.stringify({ v: 99, hello: 'x' }));
      channel.send('x'.repeat(max));
      channel.send(JSON.stringify({ v: 1, id: 'a', seq: 1, at: 0, text: 'y'.repeat(max - 100) }));
      // 1,000 frames a second for two seconds.
      for (let burst = 0; burst < 20; burst++) {
        for (let i = 0; i < 100; i++) channel.send(JSON.stringify({ v: 1, ack: i, junk: [i] }));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await until(
        () => (JSON.parse(el.diagnostics()) as { chatDropped: number }).chatDropped >= 1000,
        'the frames to be dropped',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(errors).to.deep.equal([]);
      expect(Math.max(0, ...longTasks)).to.be.lessThan(200, 'no task longer than 200 ms');
      expect(el.state).to.equal('connected');
      expect(el.messages).to.have.length(0);
    } finally {
      observer.disconnect();
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onError);
      hostile.close();
      signaling.close();
    }
  });
});
