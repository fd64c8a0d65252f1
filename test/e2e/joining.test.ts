import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { configFromEnv } from '../../server/config.js';
import { startApp } from '../server/helpers.js';
import { launchBrowser, person, waitForState } from './support.js';

type Call = { state: string; error: { code: string; message: string } | null };
const call = (page: Page): Promise<Call> =>
  page.evaluate(() => {
    const el = document.querySelector('rtc-call') as unknown as Call;
    return { state: el.state, error: el.error };
  });

test('a socket.io reconnect while the call is joining is followed by a rejoin: the call connects (issue 13 item 10a)', async (t) => {
  const { app, url } = await startApp(t);
  // The real server, which drops the first join's socket (its transport, as a network blip does)
  // before answering: the client sees the disconnect while its join is in flight.
  let dropped = 0;
  // (A connection middleware: its packet middleware runs before the server's own.)
  app.io.use((socket, ready) => {
    socket.use(([event], next) => {
      if (event === 'join' && dropped === 0) {
        dropped += 1;
        socket.conn.close();
        return;
      }
      next();
    });
    ready();
  });
  const browser = await launchBrowser(t);
  const room = `joining-${Date.now()}`;
  const [a, b] = await Promise.all([person(browser), person(browser)].map(async (p) => (await p).newPage()));
  await a.goto(`${url}/?room=${room}`);
  await a.getByRole('button', { name: 'Join call' }).click();
  await waitForState(a, 'waiting');
  assert.equal(dropped, 1, 'the first join was dropped with its socket');
  await b.goto(`${url}/?room=${room}`);
  await b.getByRole('button', { name: 'Join call' }).click();
  await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
  assert.deepEqual(await call(a), { state: 'connected', error: null });
});

test('a signaling server whose iceServers the browser refuses fails the join with bad-ice-servers, not unsupported-browser (issue 13 item 10b)', async (t) => {
  // A configuration the server accepts (the scheme is right) and the browser refuses (port 99999).
  const config = configFromEnv({ TURN_URLS: 'turn:127.0.0.1:99999', TURN_SECRET: 'a-test-secret-of-24-chars' });
  const { url } = await startApp(t, { ...config, logLevel: false });
  const browser = await launchBrowser(t);
  const page = await (await person(browser)).newPage();
  await page.goto(`${url}/?room=bad-ice-${Date.now()}`);
  await page.getByRole('button', { name: 'Join call' }).click();
  await waitForState(page, 'failed');
  const { error } = await call(page);
  assert.equal(error?.code, 'bad-ice-servers');
  assert.match(error.message, /signaling server's iceServers cannot be used: .*Invalid port/);
  assert.match(await page.locator('rtc-call [part="status"]').innerText(), /ICE server settings are not valid/);
});
