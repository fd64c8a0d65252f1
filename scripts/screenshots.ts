// Renders the widget's views at phone and desktop widths in English and Chinese into docs/images/.
// Run with `npm run screenshots` (headless Chromium with fake camera and microphone).
import { mkdir } from 'node:fs/promises';
import { chromium, type Page } from 'playwright-core';
import { buildApp } from '../server/app.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/chromium.js';

const OUT = new URL('../docs/images/', import.meta.url).pathname;
const WIDTHS = [360, 1280];
const LANGS = ['en', 'zh-CN'];

const app = await buildApp({ logLevel: 'warn' });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('no TCP address');
const url = `http://127.0.0.1:${address.port}`;
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
await mkdir(OUT, { recursive: true });

const state = (page: Page, wanted: string): Promise<unknown> =>
  page.waitForFunction(
    (s) => (document.querySelector('rtc-call') as unknown as { state: string }).state === s,
    wanted,
    {
      timeout: 20_000,
    },
  );

try {
  for (const lang of LANGS) {
    for (const width of WIDTHS) {
      const height = width < 600 ? 780 : 800;
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
        await page.goto(`${url}/?room=${inRoom}`);
        await page.waitForFunction(
          () => (document.querySelector('rtc-call') as unknown as { localStream: unknown }).localStream,
        );
        return page;
      };
      const me = await open();
      await me.waitForTimeout(500); // let the fake camera paint a few frames
      // The whole page: at 1280 × 800 the Join button is below the fold.
      await me.screenshot({ path: `${OUT}prejoin-${lang}-${width}.png`, fullPage: true });
      const peer = await open();
      for (const page of [me, peer]) await page.locator('rtc-call button.join').click();
      await Promise.all([state(me, 'connected'), state(peer, 'connected')]);
      await me.waitForFunction(
        () =>
          (
            (document.querySelector('rtc-call') as unknown as { shadowRoot: ShadowRoot }).shadowRoot.querySelector(
              'video.remote-view',
            ) as HTMLVideoElement
          ).videoWidth > 0,
      );
      await me.waitForTimeout(2500); // the signal indicator fills in with the first stats
      await me.screenshot({ path: `${OUT}call-${lang}-${width}.png` });
      const say = (page: Page, text: string): Promise<unknown> =>
        page.evaluate(
          (t) =>
            (document.querySelector('rtc-call') as unknown as { sendMessage(t: string): Promise<unknown> }).sendMessage(
              t,
            ),
          text,
        );
      const zh = lang.startsWith('zh');
      await say(peer, zh ? '你好！能听到我吗？' : 'Hi! Can you hear me?');
      await say(me, zh ? '听得很清楚 👍' : 'Loud and clear 👍');
      await say(peer, zh ? '我把文档发给你' : 'Sending you the doc now');
      await me.locator('rtc-call button.toggle', { hasText: zh ? '聊天' : 'Chat' }).click();
      await me.waitForTimeout(300);
      await me.locator('rtc-call [part="chat"]').scrollIntoViewIfNeeded();
      await me.screenshot({ path: `${OUT}chat-${lang}-${width}.png` });
      await me.context().close();
      await peer.context().close();

      // The browser refused to play the other person's sound: "Tap to hear" over the video.
      const viewer = await open(`${room}-sound`, true);
      const caller = await open(`${room}-sound`);
      for (const page of [viewer, caller]) await page.locator('rtc-call button.join').click();
      await Promise.all([state(viewer, 'connected'), state(caller, 'connected')]);
      await viewer.locator('rtc-call [part="start-audio-button"]').waitFor();
      await viewer.waitForTimeout(2500);
      await viewer.screenshot({ path: `${OUT}tap-to-hear-${lang}-${width}.png` });
      await viewer.context().close();
      await caller.context().close();
      console.log(`screenshots: ${lang} ${width}px`);
    }
  }
} finally {
  await browser.close();
  await app.close();
}
