// Renders the widget's views at phone and desktop size in English and Chinese into docs/images/:
// every state of a call (pre-join, waiting, connected, chat open, settings open, screen share,
// ended, "tap to hear"), the call filling a page's height as `<rtc-call style="height:100vh">`,
// plus the demo's landing page. Run with `npm run screenshots` (headless Chromium with fake camera
// and microphone, the real server).
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from 'playwright-core';
import { buildApp } from '../server/app.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/chromium.js';

const OUT = new URL('../docs/images/', import.meta.url).pathname;
/** A phone and a desktop. */
const SIZES = [
  [390, 844],
  [1280, 720],
] as const;
const LANGS = ['en', 'zh-CN'];

const app = await buildApp({ logLevel: 'warn' });
await app.listen({ port: 0, host: '127.0.0.1' });
const server = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

// The call as a site embeds it, from another origin: the drop-in and the element, the page's height.
const site = createServer((request, response) => {
  const query = new URL(request.url ?? '/', 'http://site').searchParams;
  const room = (query.get('room') ?? '').replace(/[^\w-]/g, '');
  const lang = query.get('lang') === 'zh-CN' ? 'zh-CN' : 'en';
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="${lang}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>rtc-call</title>
    <style>body { margin: 0; background: #f3f4f6 }</style>
    <script type="module" src="${server}/rtc-call.js"></script>
  </head>
  <body><rtc-call room="${room}" style="display:block;height:100vh"></rtc-call></body>
</html>`);
});
await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
await mkdir(OUT, { recursive: true });

type Call = { state: string; sendMessage(text: string): Promise<unknown>; localStream: unknown };
const state = (page: Page, wanted: string): Promise<unknown> =>
  page.waitForFunction((s) => (document.querySelector('rtc-call') as unknown as Call).state === s, wanted, {
    timeout: 20_000,
  });
const say = (page: Page, text: string): Promise<unknown> =>
  page.evaluate((t) => (document.querySelector('rtc-call') as unknown as Call).sendMessage(t), text);
/** Clicks a control by part; on a phone the ones in "more" are reached through it. */
async function press(page: Page, part: string): Promise<void> {
  const target = page.locator(`rtc-call [part="${part}"]`);
  if (!(await target.isVisible())) await page.locator('rtc-call [part="more-button"]').click();
  await target.click();
}

try {
  for (const lang of LANGS) {
    for (const [width, height] of SIZES) {
      const zh = lang.startsWith('zh');
      const name = (view: string) => `${OUT}${view}-${lang}-${width}.png`;
      const room = `shots-${lang}-${width}`;
      const open = async (inRoom = room, refuseSound = false): Promise<Page> => {
        const context = await browser.newContext({
          locale: lang,
          viewport: { width, height },
          permissions: ['camera', 'microphone'],
        });
        // Safari's rule, imposed here: no sound without a gesture (the Join click does not count).
        if (refuseSound) {
          await context.addInitScript(() => {
            const play = HTMLMediaElement.prototype.play;
            HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
              return this.muted ? play.call(this) : Promise.reject(new DOMException('no gesture', 'NotAllowedError'));
            };
          });
        }
        const page = await context.newPage();
        await page.goto(`${siteUrl}/?room=${inRoom}&lang=${lang}`);
        await page.waitForFunction(() => (document.querySelector('rtc-call') as unknown as Call).localStream);
        return page;
      };

      // The demo's landing page, as a visitor first sees it.
      const landing = await browser.newPage({ locale: lang, viewport: { width, height } });
      await landing.goto(`${server}/`);
      await landing.waitForTimeout(500);
      await landing.screenshot({ path: name('landing'), fullPage: true });
      await landing.close();

      const me = await open();
      await me.waitForTimeout(500); // let the fake camera paint a few frames
      await me.screenshot({ path: name('prejoin') });
      await press(me, 'settings-button');
      await me.locator('rtc-call rtc-device-picker').waitFor();
      await me.waitForTimeout(800); // the preview and the level meter
      await me.screenshot({ path: name('settings') });
      await me.keyboard.press('Escape');
      await me.locator('rtc-call .join').click();
      await state(me, 'waiting');
      await me.waitForTimeout(400); // the preview moves into its corner (a 0.2 s transition)
      await me.screenshot({ path: name('waiting') });

      const peer = await open();
      await peer.locator('rtc-call .join').click();
      await Promise.all([state(me, 'connected'), state(peer, 'connected')]);
      await me.waitForFunction(
        () =>
          (document.querySelector('rtc-call')!.shadowRoot!.querySelector('video.remote-view') as HTMLVideoElement)
            .videoWidth > 0,
      );
      await me.waitForTimeout(2500); // the signal indicator fills in with the first stats
      await me.screenshot({ path: name('call') });

      await say(peer, zh ? '你好！能听到我吗？' : 'Hi! Can you hear me?');
      await say(me, zh ? '听得很清楚 👍' : 'Loud and clear 👍');
      await say(
        peer,
        zh ? '我把文档发给你，看一下第二页的图表。' : 'Sending you the doc now — have a look at the chart on page two.',
      );
      await press(me, 'chat-button');
      await me.locator('rtc-call [part="message"]').first().waitFor();
      await me.waitForTimeout(300);
      await me.screenshot({ path: name('chat') });
      await press(me, 'chat-button');

      await press(me, 'screen-button');
      await me.waitForFunction(() => !!document.querySelector('rtc-call')!.shadowRoot!.querySelector('video.screen'));
      await me.waitForTimeout(800);
      await me.screenshot({ path: name('screen') });

      await me.locator('rtc-call [part="hangup-button"]').click();
      await state(me, 'ended');
      await me.waitForTimeout(300);
      await me.screenshot({ path: name('ended') });
      await me.context().close();
      await peer.context().close();

      // The browser refused to play the other person's sound: "Tap to hear" over the video.
      const viewer = await open(`${room}-sound`, true);
      const caller = await open(`${room}-sound`);
      for (const page of [viewer, caller]) await page.locator('rtc-call .join').click();
      await Promise.all([state(viewer, 'connected'), state(caller, 'connected')]);
      await viewer.locator('rtc-call [part="start-audio-button"]').waitFor();
      await viewer.waitForTimeout(2500);
      await viewer.screenshot({ path: name('tap-to-hear') });
      await viewer.context().close();
      await caller.context().close();
      console.log(`screenshots: ${lang} ${width}×${height}`);
    }
  }
} finally {
  await browser.close();
  await app.close();
  site.closeAllConnections();
  site.close();
}
