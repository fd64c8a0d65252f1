// What the in-call view offers beyond the controls' own tests (issue 16): full screen of the call,
// picture-in-picture of the other person's video, the screen kept awake while connected, and the
// call's duration. Each is pressed as a person would (a real key press: the browser asks for a
// gesture), and checked on the browser's own state.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/rtc-call.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';
import { cleanup, connectedPair, itNotInFirefox, until, untilState } from './helpers.js';

/** The in-call button of `part`; on a narrow box it is in "more", which is opened first. */
async function press(el: RtcCall, part: string): Promise<HTMLButtonElement> {
  const find = (p: string) => el.shadowRoot!.querySelector<HTMLButtonElement>(`[part="${p}"]`)!;
  if (!find(part).checkVisibility()) {
    find('more-button').focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
  }
  const target = find(part);
  target.focus();
  await sendKeys({ press: 'Enter' });
  return target;
}

describe('<rtc-call> in-call view', () => {
  afterEach(async () => {
    if (document.fullscreenElement) await document.exitFullscreen();
    if (document.pictureInPictureElement) await document.exitPictureInPicture();
    cleanup();
  });

  it('full screen: the button puts the element itself full screen, and takes it out again', async () => {
    const [a] = await connectedPair();
    const button = await press(a, 'fullscreen-button');
    await until(() => document.fullscreenElement === a, 'the element to be full screen');
    await a.updateComplete;
    expect(a.shadowRoot!.querySelector('[part="fullscreen-button"]')!.getAttribute('aria-pressed')).to.equal('true');
    // Full screen, the element fills the screen: its controls are still in it.
    const box = a.getBoundingClientRect();
    expect([box.width, box.height]).to.deep.equal([innerWidth, innerHeight]);
    expect(button.isConnected).to.equal(true);
    await press(a, 'fullscreen-button');
    await until(() => document.fullscreenElement === null, 'full screen to end');
    await until(
      () => a.shadowRoot!.querySelector('[part="fullscreen-button"]')!.getAttribute('aria-pressed') === 'false',
      'the button to say so',
    );
  });

  itNotInFirefox(
    "Firefox's picture-in-picture is a window of its own that takes the focus: the page's later tests then get no camera",
    "picture-in-picture: the button floats the other person's video, and brings it back",
    async () => {
      const [a] = await connectedPair();
      const remote = a.shadowRoot!.querySelector<HTMLVideoElement>('video.remote-view')!;
      await until(() => remote.readyState >= 1, 'the remote video to have its metadata');
      await a.updateComplete;
      await press(a, 'pip-button');
      // The video is in the shadow root: the document sees its host.
      await until(() => a.shadowRoot!.pictureInPictureElement === remote, 'the remote video in picture-in-picture');
      await until(
        () => a.shadowRoot!.querySelector('[part="pip-button"]')!.getAttribute('aria-pressed') === 'true',
        'the button to say so',
      );
      // Leaving needs no gesture (and Firefox's picture-in-picture window has the keyboard focus now).
      a.shadowRoot!.querySelector<HTMLButtonElement>('[part="more-button"]')?.click();
      await a.updateComplete;
      a.shadowRoot!.querySelector<HTMLButtonElement>('[part="pip-button"]')!.click();
      await until(() => document.pictureInPictureElement === null, 'picture-in-picture to end');
    },
  );

  it('keeps the screen awake while connected, and lets it sleep once the call ends', async () => {
    // The browser's own wake lock, recorded on its way out (the request goes through).
    const sentinels: WakeLockSentinel[] = [];
    const request = navigator.wakeLock.request.bind(navigator.wakeLock);
    Object.defineProperty(navigator.wakeLock, 'request', {
      configurable: true,
      value: async (type: WakeLockType) => {
        const sentinel = await request(type);
        sentinels.push(sentinel);
        return sentinel;
      },
    });
    try {
      const [a, b] = await connectedPair();
      await until(() => sentinels.length === 2, 'a wake lock for each side');
      expect(sentinels.map((s) => [s.type, s.released])).to.deep.equal([
        ['screen', false],
        ['screen', false],
      ]);
      await a.hangup(); // a ends, b goes back to waiting: neither is in a call any more
      await untilState(b, 'waiting');
      await until(() => sentinels.every((s) => s.released), 'both locks released');
    } finally {
      delete (navigator.wakeLock as unknown as Record<string, unknown>).request; // the prototype's again
    }
  });

  it("shows the call's duration from connected on, and counts on", async () => {
    const [a] = await connectedPair();
    const seconds = () => {
      const [m, s] = (a.shadowRoot!.querySelector('[part="call-timer"]')?.textContent ?? '').trim().split(':');
      return Number(m) * 60 + Number(s);
    };
    await until(() => Number.isInteger(seconds()), 'the duration as m:ss');
    const first = seconds();
    await until(() => seconds() > first, 'the duration to count on');
  });
});
