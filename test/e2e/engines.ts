import assert from 'node:assert/strict';
import { launch, type Browser, type BrowserContext, type ElementHandle, type Page } from 'puppeteer-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../browser/chromium.js';
import { FIREFOX_PATH, FIREFOX_PREFS } from '../browser/firefox.js';

// Engine-neutral helpers for end-to-end tests that put Chromium and Firefox in one call. Both are
// driven by puppeteer-core (CDP for Chromium, WebDriver BiDi for Firefox), so a test has one API
// for both; test/e2e/support.ts has the playwright-typed Chromium-only counterparts.
//
// Functions passed to page.evaluate hold no named inner functions: tsx would wrap them in a
// `__name()` helper that the page does not have.

/** The two engines a mixed call is made of. */
export type Engine = 'chromium' | 'firefox';

/** One person: a browser context of their own (storage, permissions) and a page in it. */
export interface Person {
  engine: Engine;
  context: BrowserContext;
  page: Page;
}

/** Headless Chromium (/usr/bin/chromium) with fake media and loopback ICE (CHROMIUM_FLAGS). */
export function launchChromium(): Promise<Browser> {
  return launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}

/** Headless Firefox ESR over WebDriver BiDi with fake media and loopback ICE (FIREFOX_PREFS). */
export function launchFirefox(): Promise<Browser> {
  return launch({ browser: 'firefox', executablePath: FIREFOX_PATH, headless: true, extraPrefsFirefox: FIREFOX_PREFS });
}

// Runs before any script of every page of a person: each RTCPeerConnection the page makes keeps
// the signaling states it goes through in `__signaling`, so a test can tell who made an offer
// ('have-local-offer') and who answered one ('have-remote-offer'), and count negotiations; and
// every `rtc-error` of the page (they bubble out of <rtc-call>) lands in `__rtcErrors`. It only
// watches: the connection is the browser's own. A string, so that tsx adds nothing to it.
const WATCH_SIGNALING = `(() => {
  const errors = [];
  Object.defineProperty(window, '__rtcErrors', { value: errors });
  window.addEventListener('rtc-error', (e) => errors.push(e.code + ': ' + e.message));
  const Native = window.RTCPeerConnection;
  if (typeof Native !== 'function') return;
  window.RTCPeerConnection = new Proxy(Native, {
    construct(target, args) {
      const pc = Reflect.construct(target, args);
      const states = [];
      Object.defineProperty(pc, '__signaling', { value: states });
      pc.addEventListener('signalingstatechange', () => states.push(pc.signalingState));
      return pc;
    },
  });
})();`;

/** A new person in `browser`: their own context and one page that records signaling states. */
export async function person(browser: Browser, engine: Engine): Promise<Person> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.evaluateOnNewDocument(WATCH_SIGNALING);
  return { engine, context, page };
}

/** Resolves when the page's `<rtc-call>` reaches `state`. */
export async function waitForState(page: Page, state: string, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(
      (wanted: string) => (document.querySelector('rtc-call') as unknown as { state: string } | null)?.state === wanted,
      { timeout, polling: 100 },
      state,
    );
  } catch (error) {
    const now = await page.evaluate(
      () => (document.querySelector('rtc-call') as unknown as { state: string } | null)?.state,
    );
    throw new Error(`<rtc-call> never reached ${state} (it is ${now}): ${String(error)}`);
  }
}

/** Resolves when `check` (run in the page, given `arg`) returns true; fails naming `what`. */
export async function until<A extends string | number | boolean | object | null | undefined>(
  page: Page,
  what: string,
  check: (arg: A) => boolean | Promise<boolean>,
  arg: A,
  timeout = 20_000,
): Promise<void> {
  try {
    await page.waitForFunction(check as (arg: unknown) => boolean | Promise<boolean>, { timeout, polling: 100 }, arg);
  } catch (error) {
    throw new Error(`${what}: ${String(error)}`);
  }
}

/** Video frames and audio packets received so far on the page's call (0 without a connection). */
export function received(page: Page): Promise<{ frames: number; audioPackets: number; videoWidth: number }> {
  return page.evaluate(async () => {
    const el = document.querySelector('rtc-call') as unknown as {
      peerConnection: RTCPeerConnection | null;
      shadowRoot: ShadowRoot;
    };
    const video = el.shadowRoot.querySelector('video[part="remote-video"]') as HTMLVideoElement | null;
    const result = { frames: 0, audioPackets: 0, videoWidth: video?.videoWidth ?? 0 };
    if (!el.peerConnection) return result;
    (await el.peerConnection.getStats()).forEach(
      (r: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'video') result.frames += r.framesDecoded ?? 0;
        if (r.kind === 'audio') result.audioPackets += r.packetsReceived ?? 0;
      },
    );
    return result;
  });
}

/**
 * Resolves when the call's remote video has a size and decodes more frames over time (and, with
 * `audio`, more audio packets arrive too).
 */
export async function waitForRemoteVideo(page: Page, { audio = false } = {}): Promise<void> {
  const who = await page.evaluate(() => (navigator.userAgent.includes('Firefox') ? 'firefox' : 'chromium'));
  const deadline = Date.now() + 20_000;
  let first = await received(page);
  while (first.frames === 0 || first.videoWidth === 0) {
    if (Date.now() > deadline) throw new Error(`${who}: remote video never started`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    first = await received(page);
  }
  for (;;) {
    const now = await received(page);
    if (now.frames > first.frames + 5 && (!audio || now.audioPackets > first.audioPackets + 5)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${who}: remote media stopped: frames ${first.frames} → ${now.frames}, audio ${first.audioPackets} → ${now.audioPackets}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The signaling states the page's current peer connection went through (see WATCH_SIGNALING). */
export function signalingLog(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const el = document.querySelector('rtc-call') as unknown as {
      peerConnection: (RTCPeerConnection & { __signaling?: string[] }) | null;
    };
    return [...(el.peerConnection?.__signaling ?? [])];
  });
}

/** Every `rtc-error` the page's `<rtc-call>` fired since the page loaded (`code: message`). */
export function rtcErrors(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as { __rtcErrors: string[] }).__rtcErrors]);
}

/** Fails when either person's `<rtc-call>` fired an `rtc-error` (a failed negotiation, say). */
export async function assertNoErrors(...people: Person[]): Promise<void> {
  for (const who of people) assert.deepEqual(await rtcErrors(who.page), [], `${who.engine} fired no rtc-error`);
}

/** The `<rtc-call>` button labelled `label` (its visible text), to click like a person. */
export async function button(page: Page, label: string): Promise<ElementHandle<HTMLButtonElement>> {
  const handle = await page.evaluateHandle((wanted: string) => {
    const el = document.querySelector('rtc-call')!;
    return [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === wanted) ?? null;
  }, label);
  const element = handle.asElement() as ElementHandle<HTMLButtonElement> | null;
  if (!element) throw new Error(`no button "${label}"`);
  return element;
}

/** Clicks the `<rtc-call>` button labelled `label`. */
export async function click(page: Page, label: string): Promise<void> {
  await (await button(page, label)).click();
}

/**
 * Opens the demo page of `url` in `room` and presses Join once the camera preview is on (as a
 * person would, seeing themselves first); `prepare` runs in the page before the click.
 */
export async function openAndJoin(who: Person, url: string, room: string, prepare?: string): Promise<void> {
  await who.page.goto(`${url}/?room=${room}`);
  await until(
    who.page,
    `${who.engine}: the camera preview`,
    () => {
      const el = document.querySelector('rtc-call') as unknown as { localStream: MediaStream | null } | null;
      return !!el?.localStream?.getVideoTracks().some((track) => track.readyState === 'live');
    },
    null,
  );
  if (prepare) await who.page.evaluate(prepare);
  await click(who.page, 'Join call');
}

/**
 * Two people meet in `room`: `first` joins and waits, then `second` joins. The side that joins
 * second offers first (DESIGN.md §2, "First offer"); this checks it did, from the signaling states
 * of both connections, so a test that names its order has proved it.
 */
export async function meet(url: string, room: string, first: Person, second: Person, prepare?: string): Promise<void> {
  await openAndJoin(first, url, room, prepare);
  await waitForState(first.page, 'waiting');
  await openAndJoin(second, url, room, prepare);
  await Promise.all([waitForState(first.page, 'connected'), waitForState(second.page, 'connected')]);
  assert.equal((await signalingLog(second.page))[0], 'have-local-offer', `${second.engine} made the first offer`);
  assert.equal((await signalingLog(first.page))[0], 'have-remote-offer', `${first.engine} answered it`);
}

/** The candidate types of the selected pair, from `transport` stats (Chromium) or the pair's `selected` flag (Firefox). */
export function selectedCandidateTypes(page: Page): Promise<{ local?: string; remote?: string }> {
  return page.evaluate(async () => {
    const pc = (document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection }).peerConnection;
    const reports = new Map<string, Record<string, unknown>>();
    (await pc.getStats()).forEach((report: Record<string, unknown> & { id: string }) => reports.set(report.id, report));
    const all = [...reports.values()];
    const transport = all.find((report) => report.type === 'transport' && report.selectedCandidatePairId);
    // Firefox 153 has no transport stats; its candidate pairs carry a (non-standard) `selected`.
    const pair = transport
      ? reports.get(String(transport.selectedCandidatePairId))
      : all.find((report) => report.type === 'candidate-pair' && report.selected === true);
    if (!pair) return {};
    return {
      local: reports.get(String(pair.localCandidateId))?.candidateType as string | undefined,
      remote: reports.get(String(pair.remoteCandidateId))?.candidateType as string | undefined,
    };
  });
}
