import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../browser/chromium.js';

/** Headless Chromium with fake media devices, closed when the test ends. */
export async function launchBrowser(t: TestContext, extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...extraArgs],
  });
  t.after(() => browser.close());
  return browser;
}

/** A fresh browser context (a separate person: own storage, own permissions). */
export async function person(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'] });
}

/** Resolves when the page's (or frame's) first `<rtc-call>` (or the one matched) reaches `state`. */
export async function waitForState(
  page: Page | Frame,
  state: string,
  timeout = 20_000,
  selector = 'rtc-call',
): Promise<void> {
  await page.waitForFunction(
    ([sel, wanted]) => (document.querySelector(sel!) as unknown as { state: string } | null)?.state === wanted,
    [selector, state],
    { timeout },
  );
}

/** Resolves when the call's remote video has a size and decodes more frames over time. */
export async function waitForRemoteVideo(page: Page | Frame, selector = 'rtc-call'): Promise<void> {
  const frames = (): Promise<number> =>
    page.evaluate(async (sel) => {
      const el = document.querySelector(sel) as unknown as {
        peerConnection: RTCPeerConnection | null;
        shadowRoot: ShadowRoot;
      };
      const video = el.shadowRoot.querySelector('video[part="remote-video"]') as HTMLVideoElement;
      if (!el.peerConnection || video.videoWidth === 0) return 0;
      let decoded = 0;
      (await el.peerConnection.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') decoded += r.framesDecoded ?? 0;
      });
      return decoded;
    }, selector);
  const deadline = Date.now() + 20_000;
  let first = 0;
  while ((first = await frames()) === 0) {
    if (Date.now() > deadline) throw new Error('remote video never started');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  while ((await frames()) <= first + 5) {
    if (Date.now() > deadline) throw new Error('remote video stopped decoding');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
