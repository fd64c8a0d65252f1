import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startApp } from '../server/helpers.js';
import { launchBrowser, person, waitForState } from './support.js';

const COUNT = 300;
// The widget allows 5 messages a second (bursts of 10): pace just under it.
const PACE_MS = 210;

type Sent = { __sent: Array<Promise<string>> };

async function send(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const el = document.querySelector('rtc-call') as unknown as { sendMessage(t: string): Promise<unknown> };
    (window as unknown as Sent).__sent.push(
      el.sendMessage(t).then(
        () => 'ok',
        (error: { code?: string }) => `refused: ${error.code}`,
      ),
    );
  }, text);
}

const remoteTexts = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    (document.querySelector('rtc-call') as unknown as { messages: Array<{ from: string; text: string }> }).messages
      .filter((m) => m.from === 'remote')
      .map((m) => m.text),
  );

const settled = (page: Page): Promise<string[]> => page.evaluate(() => Promise.all((window as unknown as Sent).__sent));

test('300 messages each way survive an ICE restart, a data channel reopen, a socket drop and a reload', async (t) => {
  const { app, url } = await startApp(t);
  const browser = await launchBrowser(t);
  const room = `chat-${Date.now()}`;
  const contexts = await Promise.all([person(browser), person(browser)]);
  for (const context of contexts) await context.addInitScript(() => ((window as unknown as Sent).__sent = []));
  const [a, b] = await Promise.all(contexts.map((context) => context.newPage()));
  for (const page of [a, b]) {
    await page.goto(`${url}/?room=${room}`);
    await page.getByRole('button', { name: 'Join call' }).click();
  }
  await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);

  let reloading: Promise<void> | null = null;
  const sender = async (page: Page, name: string): Promise<void> => {
    for (let i = 1; i <= COUNT; i++) {
      if (page === b && reloading) await reloading;
      await send(page, `${name}-${i}`);
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
  };
  const disruptions = async (): Promise<void> => {
    const at = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    await at(8);
    await a.evaluate(() =>
      (
        document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection }
      ).peerConnection.restartIce(),
    );
    await at(8);
    await b.evaluate(() =>
      (document.querySelector('rtc-call') as unknown as { dataChannel: RTCDataChannel }).dataChannel.close(),
    );
    await at(8);
    for (const socket of app.io.of('/').sockets.values()) socket.conn.close();
    await at(8);
    reloading = (async () => {
      await b.reload();
      await waitForState(b, 'connected');
    })();
    await reloading;
    reloading = null;
  };
  await Promise.all([sender(a, 'a'), sender(b, 'b'), disruptions()]);

  const expected = (name: string) => Array.from({ length: COUNT }, (_, i) => `${name}-${i + 1}`);
  const deadline = Date.now() + 60_000;
  while ((await remoteTexts(a)).length < COUNT || (await remoteTexts(b)).length < COUNT) {
    if (Date.now() > deadline) {
      const describe = (page: Page) =>
        page.evaluate(() => {
          const el = document.querySelector('rtc-call') as unknown as {
            state: string;
            messages: Array<{ from: string; status: string }>;
            dataChannel: RTCDataChannel | null;
            diagnostics(): string;
          };
          return JSON.stringify({
            state: el.state,
            // (no helper functions here: tsx would wrap them in a __name() the page does not have)
            remote: el.messages.filter((m) => m.from === 'remote').length,
            local: el.messages.filter((m) => m.from === 'local').length,
            pending: el.messages.filter((m) => m.status === 'pending').length,
            sent: el.messages.filter((m) => m.status === 'sent').length,
            channel: el.dataChannel?.readyState,
            dropped: (JSON.parse(el.diagnostics()) as { chatDropped: number }).chatDropped,
          });
        });
      assert.fail(`not every message arrived: a ${await describe(a)}, b ${await describe(b)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.deepEqual(await remoteTexts(a), expected('b'), 'a has each of b’s texts once, in order');
  assert.deepEqual(await remoteTexts(b), expected('a'), 'b has each of a’s texts once, in order');
  const resultsA = await settled(a);
  assert.equal(resultsA.length, COUNT);
  assert.ok(
    resultsA.every((r) => r === 'ok'),
    'every sendMessage() promise of a resolved',
  );
  // b's promises from before its reload went with the page; the ones made after it all resolve.
  const resultsB = await settled(b);
  assert.ok(resultsB.length > 0 && resultsB.every((r) => r === 'ok'), 'every sendMessage() promise of b resolved');
});
