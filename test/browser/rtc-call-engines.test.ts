import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
import '../../src/rtc-call.js';
import '../../src/rtc-device-picker.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';
import type { RtcDevicePicker } from '../../src/components/rtc-device-picker/rtc-device-picker.component.js';
import {
  SIGNALING,
  button,
  cleanup,
  connectedPair,
  expectRemoteVideoFlowing,
  isFirefox,
  uniqueRoom,
  until,
  untilState,
} from './helpers.js';

/** Replaces `owner[key]` until the test ends (restored in afterEach, even when the test fails). */
const restores: Array<() => void> = [];
function replace<T extends object, K extends keyof T>(owner: T, key: K, value: T[K]): void {
  const own = Object.getOwnPropertyDescriptor(owner, key);
  Object.defineProperty(owner, key, { value, configurable: true, writable: true });
  restores.push(() => (own ? Object.defineProperty(owner, key, own) : delete owner[key]));
}

/** The WebSockets the page opens from now on (a join that reaches the server opens one). */
function countWebSockets(): () => number {
  let opened = 0;
  const Real = window.WebSocket;
  replace(
    window,
    'WebSocket',
    class extends Real {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        opened += 1;
      }
    },
  );
  return () => opened;
}

describe('<rtc-call> in browsers that lack what a call needs', () => {
  afterEach(() => {
    for (const restore of restores.splice(0).reverse()) restore();
    fixtureCleanup();
  });

  // What such browsers look like: WebKitGTK has getUserMedia but no RTCPeerConnection; Safari 14.0
  // and Firefox 69 have RTCPeerConnection without restartIce() (nor setLocalDescription() without
  // arguments); a page served over plain HTTP has no navigator.mediaDevices.
  const browsers: Array<{ name: string; missing: string; strip: () => void }> = [
    {
      name: 'no RTCPeerConnection (WebKitGTK)',
      missing: 'RTCPeerConnection',
      strip: () => replace(window, 'RTCPeerConnection', undefined as unknown as typeof RTCPeerConnection),
    },
    {
      name: 'an RTCPeerConnection without restartIce() (Safari 14.0, Firefox 69)',
      missing: 'RTCPeerConnection.restartIce',
      strip: () =>
        replace(RTCPeerConnection.prototype, 'restartIce', undefined as unknown as RTCPeerConnection['restartIce']),
    },
    {
      name: 'no navigator.mediaDevices.getUserMedia',
      missing: 'navigator.mediaDevices.getUserMedia',
      strip: () =>
        replace(navigator.mediaDevices, 'getUserMedia', undefined as unknown as MediaDevices['getUserMedia']),
    },
  ];
  for (const browser of browsers) {
    it(`${browser.name}: join() fails at once with unsupported-browser naming ${browser.missing}, before the camera and the server`, async () => {
      const el = await fixture<RtcCall>(html`<rtc-call room=${uniqueRoom()} signaling=${SIGNALING}></rtc-call>`);
      await el.updateComplete;
      // Counted, then passed on to the browser's own: did the join ask for the camera?
      const devices = navigator.mediaDevices;
      const realGetUserMedia = devices.getUserMedia;
      let cameraAsked = 0;
      replace(devices, 'getUserMedia', (constraints?: MediaStreamConstraints) => {
        cameraAsked += 1;
        return realGetUserMedia.call(devices, constraints);
      });
      browser.strip();
      const sockets = countWebSockets();
      const states: string[] = [];
      el.addEventListener('rtc-state-change', () => states.push(el.state));

      await el.join();
      expect(el.state).to.equal('failed');
      expect(el.error?.code).to.equal('unsupported-browser');
      expect(el.error?.message).to.include(browser.missing);
      expect(cameraAsked, 'the camera was never asked for').to.equal(0);
      expect(el.localStream, 'the camera stayed off').to.equal(null);
      expect(sockets(), 'the signaling server was never contacted: no seat taken').to.equal(0);
      expect(states).to.deep.equal(['joining', 'failed']);
      // The person is told, in the status line.
      expect(el.shadowRoot!.querySelector('[part="status"]')!.textContent).to.include(
        'This browser cannot make video calls',
      );
    });
  }
});

describe('<rtc-call> when the browser refuses to play sound without a gesture (autoplay rules)', () => {
  afterEach(() => {
    for (const restore of restores.splice(0).reverse()) restore();
    fixtureCleanup();
  });

  it('a receive-only join whose remote audio is refused shows "Tap to hear" (part start-audio-button), plays the video muted meanwhile, and a real click starts the sound', async () => {
    const room = uniqueRoom();
    // The person who only watches: no camera, no microphone (getUserMedia finds no device).
    const devices = navigator.mediaDevices;
    const realGetUserMedia = devices.getUserMedia;
    replace(devices, 'getUserMedia', () => Promise.reject(new DOMException('No device', 'NotFoundError')));
    const wrapper = await fixture<HTMLDivElement>(
      html`<div>
        <rtc-call room=${room} signaling=${SIGNALING} autojoin></rtc-call>
      </div>`,
    );
    const viewer = wrapper.querySelector('rtc-call')!;
    await untilState(viewer, 'waiting');
    expect(viewer.localStream).to.equal(null);
    devices.getUserMedia = realGetUserMedia;

    // Safari's and iOS's rule (and Chromium's without its autoplay flag, on a page that captures
    // nothing): play() with sound rejects with NotAllowedError unless the page has a user
    // activation; muted playback is allowed. Both browsers here would allow it, so the rule is
    // imposed on the viewer's elements only (the caller captures a camera: it may autoplay).
    const realPlay = HTMLMediaElement.prototype.play;
    const refused: string[] = [];
    replace(HTMLMediaElement.prototype, 'play', function (this: HTMLMediaElement) {
      if (this.getRootNode() === viewer.shadowRoot && !this.muted && !navigator.userActivation.isActive) {
        refused.push(this.getAttribute('part') ?? '');
        return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
      }
      return realPlay.call(this);
    });

    const caller = document.createElement('rtc-call');
    Object.assign(caller, { room, signaling: SIGNALING, autojoin: true });
    wrapper.append(caller);
    await Promise.all([untilState(viewer, 'connected'), untilState(caller, 'connected')]);
    await expectRemoteVideoFlowing(viewer);

    const part = () => viewer.shadowRoot!.querySelector<HTMLButtonElement>('[part="start-audio-button"]');
    await until(() => !!part(), 'the "Tap to hear" button');
    expect(refused).to.include('remote-video');
    const remote = viewer.shadowRoot!.querySelector<HTMLVideoElement>('video[part="remote-video"]')!;
    // Meanwhile the video plays, without sound.
    await until(() => !remote.paused, 'the remote video playing muted');
    expect(remote.muted).to.equal(true);
    // A button named for what it does, on top of the video, announced in the live region.
    const button = part()!;
    expect(button.textContent!.trim()).to.equal('Tap to hear');
    expect(button.type).to.equal('button');
    const box = button.getBoundingClientRect();
    const video = remote.getBoundingClientRect();
    expect(box.width * box.height).to.be.greaterThan(0);
    const inside =
      box.left >= video.left && box.right <= video.right && box.top >= video.top && box.bottom <= video.bottom;
    expect(inside, 'the button lies on the remote video').to.equal(true);
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    expect(viewer.shadowRoot!.elementFromPoint(x, y), 'nothing covers the button').to.equal(button);
    expect(viewer.shadowRoot!.querySelector('.sr-only[role="status"]')!.textContent).to.include('Tap to hear');
    // The caller, who captures a camera, autoplays: no button there.
    expect(caller.shadowRoot!.querySelector('[part="start-audio-button"]')).to.equal(null);

    // A click the page makes up is no gesture: the sound stays refused and the button stays.
    button.click();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(remote.muted).to.equal(true);
    expect(part()).to.equal(button);

    // The person's click (a real input event, so a user activation) starts the sound.
    await sendMouse({ type: 'click', position: [Math.round(x), Math.round(y)] });
    await until(() => !part(), 'the button gone once the sound plays');
    expect(remote.muted).to.equal(false);
    expect(remote.paused).to.equal(false);
    await sendMouse({ type: 'move', position: [0, 0] });
  });

  it('Chinese: the button reads 点按收听', async () => {
    const room = uniqueRoom();
    const realPlay = HTMLMediaElement.prototype.play;
    const wrapper = await fixture<HTMLDivElement>(
      html`<div>
        <rtc-call room=${room} signaling=${SIGNALING} lang="zh-CN" autojoin></rtc-call>
        <rtc-call room=${room} signaling=${SIGNALING} autojoin></rtc-call>
      </div>`,
    );
    const [viewer, caller] = wrapper.querySelectorAll('rtc-call');
    replace(HTMLMediaElement.prototype, 'play', function (this: HTMLMediaElement) {
      if (this.getRootNode() === viewer!.shadowRoot && !this.muted) {
        return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
      }
      return realPlay.call(this);
    });
    await Promise.all([untilState(viewer!, 'connected'), untilState(caller!, 'connected')]);
    await until(() => !!viewer!.shadowRoot!.querySelector('[part="start-audio-button"]'), 'the button');
    expect(viewer!.shadowRoot!.querySelector('[part="start-audio-button"]')!.textContent!.trim()).to.equal('点按收听');
  });
});

describe('<rtc-call> where the screen cannot be shared (phones; headless Firefox)', () => {
  afterEach(() => {
    for (const restore of restores.splice(0).reverse()) restore();
    cleanup();
  });

  it('shows no Share screen button, not a dead one, while the rest of the controls are there', async () => {
    replace(navigator.mediaDevices, 'getDisplayMedia', undefined as unknown as MediaDevices['getDisplayMedia']);
    const [a, b] = await connectedPair();
    for (const el of [a, b]) {
      const labels = [...el.shadowRoot!.querySelectorAll('[part="controls"] button')].map((b) => b.textContent!.trim());
      expect(labels).to.not.include('Share screen');
      expect(labels).to.include.members(['Microphone', 'Camera', 'Chat', 'Hang up']);
    }
    // The same call where the browser can share has the button (the check above is not vacuous).
    restores.pop()!();
    a.requestUpdate();
    await a.updateComplete;
    expect(button(a, 'Share screen').disabled).to.equal(false);
  });

  it('a share the browser cannot start (headless Firefox has no screen) is told on screen and as an rtc-error, and the call goes on', async () => {
    // Firefox's own refusal; Chromium here always has a screen, so it is given the same one.
    if (!isFirefox) {
      replace(navigator.mediaDevices, 'getDisplayMedia', () =>
        Promise.reject(new DOMException('The object can not be found here.', 'NotFoundError')),
      );
    }
    const [a] = await connectedPair();
    const errors: string[] = [];
    a.addEventListener('rtc-error', (event) => errors.push(`${event.code}: ${event.message}`));
    const share = button(a, 'Share screen');
    share.focus();
    await sendKeys({ press: ' ' }); // getDisplayMedia needs a user gesture
    await until(() => errors.length > 0, 'the rtc-error of the failed share');
    expect(errors).to.deep.equal(['device-not-found: The object can not be found here.']);
    expect(a.shadowRoot!.querySelector('.sr-only[role="status"]')!.textContent).to.include(
      'Could not share the screen',
    );
    expect(share.getAttribute('aria-pressed')).to.equal('false');
    expect(a.state).to.equal('connected');
    await expectRemoteVideoFlowing(a);
  });
});

describe('<rtc-device-picker> where the browser lists no speaker (Firefox without an audio backend, some WebKit)', () => {
  afterEach(() => {
    for (const restore of restores.splice(0).reverse()) restore();
    fixtureCleanup();
  });

  it('draws no empty speaker select, and tells screen readers why', async () => {
    const devices = navigator.mediaDevices;
    const real = devices.enumerateDevices.bind(devices);
    replace(devices, 'enumerateDevices', async () => (await real()).filter((device) => device.kind !== 'audiooutput'));
    const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
    await until(() => !!picker.shadowRoot!.querySelector('select[name="videoinput"] option'), 'the cameras listed');
    expect(picker.shadowRoot!.querySelector('select[name="audiooutput"]')).to.equal(null);
    expect(picker.shadowRoot!.querySelector('select[name="audioinput"]')).to.not.equal(null);
    expect(picker.shadowRoot!.querySelector('p.hidden')!.textContent).to.contain('cannot choose a speaker');
    await expect(picker).shadowDom.to.be.accessible();
  });
});
