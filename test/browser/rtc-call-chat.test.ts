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
    expect(a.shadowRoot!.querySelector('.messages li.local .meta')!.textContent).to.equal('Delivered');
    expect(b.messages.map((m) => [m.from, m.text])).to.deep.equal([['remote', 'hello\nthere']]);
    await expect(a).shadowDom.to.be.accessible();
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
      expect(chatTexts(to, 'li.remote')).to.deep.equal(corpus);
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
