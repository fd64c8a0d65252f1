// The browser half of npm-package.test.ts, run inside a loopback-only namespace:
//   bash scripts/in-netns.sh node --import tsx test/package/call-in-page.ts <site folder>
// Serves the folder (index.html + the page bundled from the installed package, and its chunks),
// starts a signaling server, and has two people call each other through it. Exits 0 when they did.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildApp } from '../../server/app.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../browser/chromium.js';
import { exchangeChat, expectCall } from '../e2e/embed-support.js';
import { person, waitForState } from '../e2e/support.js';

const site = process.argv[2];
if (!site) throw new Error('usage: call-in-page.ts <site folder>');

const signaling = await buildApp({ logLevel: false });
await signaling.listen({ port: 0, host: '127.0.0.1' });
const server = `http://127.0.0.1:${(signaling.server.address() as AddressInfo).port}`;
const files = createServer(async (request, response) => {
  const name = new URL(request.url ?? '/', 'http://site').pathname.slice(1) || 'index.html';
  // The page's bundle and its chunks (chat, device picker, Chinese: the package's dynamic imports).
  const served = ['index.html', 'main.js'].includes(name) || /^chunks\/[\w-]+\.js$/.test(name);
  if (!served) return void response.writeHead(404).end();
  const type = name.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
  response.writeHead(200, { 'content-type': type }).end(await readFile(join(site, name)));
});
files.listen(0, '127.0.0.1');
await new Promise((resolve) => files.once('listening', resolve));
const page = `http://127.0.0.1:${(files.address() as AddressInfo).port}/index.html`;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
try {
  const [alice, bob, carol] = await Promise.all([person(browser), person(browser), person(browser)]);
  for (const context of [alice, bob, carol]) context!.setDefaultTimeout(20_000);

  // Without a signaling server the element says so, instead of guessing one.
  const lost = await carol!.newPage();
  await lost.goto(page);
  await waitForState(lost, 'failed');
  const error = await lost.evaluate(() => document.querySelector('rtc-call')!.error);
  assert.equal(error?.code, 'signaling-unreachable');
  assert.match(error!.message, /signaling attribute/);

  const [a, b] = await Promise.all([alice!.newPage(), bob!.newPage()]);
  await Promise.all([a.goto(`${page}?signaling=${server}`), b.goto(`${page}?signaling=${server}`)]);
  await expectCall(a.mainFrame(), b.mainFrame());
  await exchangeChat(a.mainFrame(), b.mainFrame());
  console.log('call-in-page: two people called each other from a page bundled from the npm package');
} finally {
  await browser.close();
  files.closeAllConnections();
  files.close();
  await signaling.close();
}
