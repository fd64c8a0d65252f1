// The call's layout, measured in real Chromium (issue 16): at five viewport sizes, in English and
// Chinese, in every state of a call, inside `<rtc-call style="display:block;height:100vh">`,
// nothing visible lies outside the element's box, the page does not scroll, the primary controls
// share one row and are at least 40 px square, every chat message lies inside the chat panel
// untransformed, no panel covers the controls, and axe finds nothing. One real call (the real
// server, the drop-in, two people) goes through the states; each state is measured at every size
// and in both languages.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startApp } from '../server/helpers.js';
import { HTML, startBlog } from './embed-support.js';
import { launchBrowser, person, waitForRemoteVideo, waitForState } from './support.js';

/** The sizes of the issue: small and large phones, a tablet, two desktops. */
export const SIZES = [
  [320, 568],
  [390, 844],
  [768, 1024],
  [1280, 720],
  [1920, 1080],
] as const;
const LANGS = ['en', 'zh-CN'];
const PRIMARY = ['mic-button', 'camera-button', 'chat-button', 'hangup-button'];
const PROBE = new URL('layout-probe.js', import.meta.url).pathname;
const AXE = await readFile(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

/** A page as an embedder writes it: the drop-in, and the call filling the viewport's height. */
const pageFor = (server: string, room: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>layout</title>
    <style>body { margin: 0 }</style>
    <script type="module" src="${server}/rtc-call.js"></script>
  </head>
  <body>
    <rtc-call room="${room}" style="display:block;height:100vh"></rtc-call>
  </body>
</html>`;

/** What one measurement found wrong (empty: nothing): test/e2e/layout-probe.js, in the page. */
async function problems(page: Page, inCall: boolean): Promise<string[]> {
  if (!(await page.evaluate(() => 'layoutProblems' in window))) await page.addScriptTag({ path: PROBE });
  return page.evaluate(
    ([primary, wanted]) =>
      (window as unknown as { layoutProblems(p: string[], i: boolean): string[] }).layoutProblems(primary, wanted),
    [PRIMARY, inCall] as const,
  );
}

/** Waits for the element's update and two frames of layout (a resize, a chunk, a new state). */
const settled = (page: Page): Promise<unknown> =>
  page.evaluate(async () => {
    const el = document.querySelector('rtc-call') as unknown as { updateComplete: Promise<unknown> };
    for (let i = 0; i < 3; i++) await el.updateComplete;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });

/** Sets the element's language (its strings chunk loads) and waits for the redraw. */
async function speak(page: Page, lang: string): Promise<void> {
  await page.evaluate((l) => (document.querySelector('rtc-call')!.lang = l), lang);
  await page.waitForFunction((l) => {
    const status = document.querySelector('rtc-call')!.shadowRoot!.querySelector('[part="status"]')!.textContent!;
    return status.trim() !== '' && (l === 'en') === !/[\u4e00-\u9fff]/.test(status);
  }, lang);
}

/** Clicks a control by part; on a narrow box the ones in "more" are reached through it. */
async function press(page: Page, part: string): Promise<void> {
  const target = page.locator(`rtc-call [part="${part}"]`);
  if (!(await target.isVisible())) await page.locator('rtc-call [part="more-button"]').click();
  await target.click();
  await settled(page);
}

/** Axe on the element: every violation, as "rule: target". */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const run = (
      window as unknown as {
        axe: { run(context: Element): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> };
      }
    ).axe;
    const { violations } = await run.run(document.querySelector('rtc-call')!);
    return violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)}`));
  });
}

test('the call fits its box at five sizes, in English and Chinese, in every state (issue 16)', async (t) => {
  const { url } = await startApp(t, process.env.LOGS ? { logLevel: 'info' } : {});
  const browser = await launchBrowser(t);
  const room = `layout-${Date.now()}`;
  // The page at another origin (a site embedding the call), as embedders serve it.
  const site = await startBlog(t, { '/call.html': { type: HTML, body: pageFor(url, room) } });
  const open = async (): Promise<Page> => {
    const page = await (await person(browser)).newPage();
    await page.goto(`http://127.0.0.1:${site}/call.html`);
    await page.waitForFunction(
      () => (document.querySelector('rtc-call') as unknown as { localStream: unknown }).localStream,
    );
    return page;
  };
  const me = await open();
  const peer = await open();
  const failures: string[] = [];
  const measure = async (state: string, inCall: boolean, prepare?: (page: Page) => Promise<void>) => {
    for (const lang of LANGS) {
      await speak(me, lang);
      for (const [width, height] of SIZES) {
        await me.setViewportSize({ width, height });
        await settled(me);
        if (prepare) await prepare(me);
        for (const problem of await problems(me, inCall))
          failures.push(`${state}, ${lang}, ${width}×${height}: ${problem}`);
      }
      for (const violation of await axe(me)) failures.push(`${state}, ${lang}: axe ${violation}`);
    }
  };

  if (!process.env.SKIP_PRE) await measure('pre-join', false);
  await me.locator('rtc-call .join').click();
  await waitForState(me, 'waiting');
  await measure('waiting', true);

  await peer.locator('rtc-call .join').click();
  await Promise.all([waitForState(me, 'connected'), waitForState(peer, 'connected')]);
  await waitForRemoteVideo(me);
  await measure('connected', true);
  // With no height set: 16:10 from the width, never taller than the screen, nothing cut off.
  await me.evaluate(() => document.querySelector('rtc-call')!.style.removeProperty('height'));
  await measure('connected, no height', true);
  await me.evaluate(() => (document.querySelector('rtc-call')!.style.height = '100vh'));

  // Long messages both ways: long words, several lines, and many of them (the list scrolls).
  const long = (who: string) =>
    `${who}: ${'a-rather-long-word-without-spaces-'.repeat(8)} ${'and some ordinary words '.repeat(12)}`;
  for (let i = 0; i < 4; i++) {
    await peer.evaluate(
      (text) =>
        (document.querySelector('rtc-call') as unknown as { sendMessage(t: string): Promise<unknown> }).sendMessage(
          text,
        ),
      long(`them ${i}`),
    );
    await me.evaluate(
      (text) =>
        (document.querySelector('rtc-call') as unknown as { sendMessage(t: string): Promise<unknown> }).sendMessage(
          text,
        ),
      long(`me ${i}`),
    );
  }
  await press(me, 'chat-button');
  await me.locator('rtc-call [part="message"]').first().waitFor();
  await measure('chat open', true);
  await press(me, 'chat-button');

  // Settings, reached through "more" where the box is narrow; closed again after each size, since
  // opening "more" is part of reaching it.
  await measure('settings open', true, async (page) => {
    if (!(await page.locator('rtc-call [part="settings"]').isVisible())) await press(page, 'settings-button');
    await page.locator('rtc-call rtc-device-picker').waitFor();
  });
  await me.keyboard.press('Escape');
  await settled(me);

  await press(me, 'screen-button');
  await me.waitForFunction(
    () => !!document.querySelector('rtc-call')!.shadowRoot!.querySelector('video.self-view.screen'),
  );
  await measure('screen share', true);

  await me.locator('rtc-call [part="hangup-button"]').click();
  await waitForState(me, 'ended');
  await measure('ended', false);

  assert.equal(failures.length, 0, `\n${failures.join('\n')}`);
});
