// The demo's landing page (issue 16): a room made for the visit, its link to copy, a QR code of
// that link for a phone, the hint that a localhost address does not reach a phone, and the call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderSVG } from 'uqr';
import { startApp } from '../server/helpers.js';
import { launchBrowser, person, waitForState } from './support.js';

test('the landing page: a new room, its link copied, a QR code of exactly that link, the phone hint on localhost', async (t) => {
  const { url } = await startApp(t);
  const browser = await launchBrowser(t);
  const page = await (await person(browser)).newPage();
  await page.goto(`${url}/`);
  await waitForState(page, 'idle');
  const link = await page.locator('#invite-link').inputValue();
  assert.match(link, /\?room=[A-Za-z0-9_-]{22}$/, 'an unguessable room of 128 bits');
  assert.equal(link, page.url(), 'the page is at its own invite link');
  assert.equal(
    await page.locator('rtc-call').evaluate((el) => (el as unknown as { room: string }).room),
    new URL(link).searchParams.get('room'),
  );

  await page.getByRole('button', { name: 'Copy link' }).click();
  await page.getByText('Link copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);

  // The QR code is uqr's drawing of the link itself (its squares; the page's markup is the browser's
  // serialisation of it), named for screen readers.
  const squares = (svg: string) => /<path fill="black" d="([^"]+)"/.exec(svg)?.[1];
  const drawn = squares(await page.locator('#qr').innerHTML());
  assert.ok(drawn, 'the QR code is drawn');
  assert.ok(drawn === squares(renderSVG(link, { border: 2 })), 'the QR code encodes the invite link');
  assert.equal(await page.getByRole('img', { name: 'QR code of the link to this call' }).count(), 1);
  assert.equal(await page.locator('#localhost-hint').isVisible(), true, 'a phone cannot open 127.0.0.1');
  // No share sheet in desktop Chromium on Linux: no dead Share button either.
  assert.equal(
    await page.locator('#share-invite').isVisible(),
    await page.evaluate(() => !!navigator.canShare?.({ url: location.href })),
  );

  // "New call" gives a room of its own.
  await page.getByRole('link', { name: 'New call' }).click();
  await waitForState(page, 'idle');
  assert.notEqual(await page.locator('#invite-link').inputValue(), link);
});
