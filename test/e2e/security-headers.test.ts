// Issue 13 item 8 in a real Chromium: the server's own pages work under the security headers the
// server now sends (a call and a chat on the demo with zero CSP violations, the policy provably in
// force), only the allowed sites may frame them, and the drop-in scripts still load on pages of
// other origins, even on a page that requires CORP of everything it embeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { EMBED_SERVER_PLACEHOLDER } from '../../server/plugins/static.js';
import { startApp } from '../server/helpers.js';
import {
  HTML,
  MODULE_TAG,
  blogPost,
  exchangeChat,
  expectCall,
  joinThroughUi,
  recordViolations,
  startBlog,
} from './embed-support.js';
import { launchBrowser, person, waitForState } from './support.js';

test('security headers (issue 13 item 8): the demo page makes a call and chats under its Content-Security-Policy with no violation', async (t) => {
  const { url } = await startApp(t);
  const browser = await launchBrowser(t);
  const contexts = await Promise.all([person(browser), person(browser)]);
  t.after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
  });
  for (const context of contexts) context.setDefaultTimeout(20_000);
  const violations = await Promise.all(contexts.map((context) => recordViolations(context)));
  const pages = await Promise.all(contexts.map((context) => context.newPage()));
  const responses = await Promise.all(pages.map((page) => page.goto(`${url}/?room=csp-demo`)));
  for (const response of responses) assert.match(response!.headers()['content-security-policy']!, /script-src 'self'/);
  const [a, b] = pages as [Page, Page];
  await Promise.all([joinThroughUi(a.mainFrame()), joinThroughUi(b.mainFrame())]);
  await expectCall(a.mainFrame(), b.mainFrame());
  await exchangeChat(a.mainFrame(), b.mainFrame());
  // The demo's own script ran (it translates the page and writes the invite link).
  assert.equal(await a.inputValue('#invite-link'), `${url}/?room=csp-demo`);
  for (const [i, page] of pages.entries()) assert.deepEqual(await violations[i]!(page), [], 'no CSP violation');

  // The policy is in force and the recorder hears it: an inline style and an inline script are refused.
  await a.evaluate(() => {
    document.head.append(Object.assign(document.createElement('style'), { textContent: 'p{}' }));
    document.head.append(Object.assign(document.createElement('script'), { textContent: 'window.__inline = 1' }));
  });
  await a.waitForFunction(() => (window as unknown as { __violations: string[] }).__violations.length >= 2);
  const refused = (await violations[0]!(a)).join('\n');
  assert.match(refused, /style-src-elem inline/);
  assert.match(refused, /script-src-elem inline/);
  assert.equal(await a.evaluate(() => (window as unknown as { __inline?: number }).__inline), undefined);
});

test('security headers (issue 13 item 8): the embed page served by the server shows its images and the widget with no violation', async (t) => {
  const { url } = await startApp(t);
  const browser = await launchBrowser(t);
  const context = await person(browser);
  t.after(() => context.close());
  context.setDefaultTimeout(20_000);
  const violations = await recordViolations(context);
  const page = await context.newPage();
  await page.goto(`${url}/embed.html`);
  await waitForState(page, 'idle');
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
  assert.deepEqual(
    await page.evaluate(() => [...document.images].map((image) => image.naturalWidth > 0)),
    [true, true, true],
    'the blog post shows its three images',
  );
  assert.deepEqual(await violations(page), []);
});

test('security headers (issue 13 item 8): a site in ALLOWED_ORIGINS may frame the demo, any other site is refused', async (t) => {
  // A page that frames whatever its address names after `#`: served at 127.0.0.1 (listed) and at
  // localhost (another origin, not listed).
  const parent = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A page that frames the demo</title></head>
  <body>
    <iframe name="call" title="Video call" width="800" height="700" allow="camera; microphone"></iframe>
    <script>document.querySelector('iframe').src = location.hash.slice(1);</script>
  </body>
</html>`;
  const blog = await startBlog(t, { '/parent.html': { body: parent, type: HTML } });
  const listed = `http://127.0.0.1:${blog}`;
  const { url } = await startApp(t, { allowedOrigins: [listed] });
  const browser = await launchBrowser(t);
  const context = await person(browser);
  t.after(() => context.close());
  context.setDefaultTimeout(20_000);

  const demo = `${url}/?room=framed`;
  const allowed = await context.newPage();
  const allowedConsole: string[] = [];
  allowed.on('console', (message) => allowedConsole.push(message.text()));
  await allowed.goto(`${listed}/parent.html#${demo}`);
  const frame = allowed.frame({ name: 'call' })!;
  await waitForState(frame, 'idle');
  assert.equal(frame.url(), demo);
  assert.deepEqual(
    allowedConsole.filter((text) => /frame-ancestors/.test(text)),
    [],
  );

  const other = await context.newPage();
  // Listening before the page loads: the refusal is logged when the frame's answer arrives.
  const refusal = other.waitForEvent('console', (message) => /frame-ancestors/.test(message.text()));
  await other.goto(`http://localhost:${blog}/parent.html#${demo}`);
  assert.equal(
    (await refusal).text().trim(),
    `Framing '${url}/' violates the following Content Security Policy directive: "frame-ancestors 'self' ${listed}". The request has been blocked.`,
  );
  assert.notEqual(other.frame({ name: 'call' })!.url(), demo, 'the demo is not shown in the frame');
});

test('security headers (issue 13 item 8): the drop-in scripts load on a page of another origin that requires CORP (COEP require-corp)', async (t) => {
  const { url } = await startApp(t);
  const classic = `<script src="${EMBED_SERVER_PLACEHOLDER}/rtc-call.iife.js"></script>`;
  const isolated = { 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-opener-policy': 'same-origin' };
  const blog = await startBlog(t, {
    '/module': { body: await blogPost(url), type: HTML, headers: isolated },
    '/classic': {
      body: await blogPost(url, (page) => page.replace(MODULE_TAG, classic)),
      type: HTML,
      headers: isolated,
    },
  });
  const browser = await launchBrowser(t);
  const context = await person(browser);
  t.after(() => context.close());
  context.setDefaultTimeout(20_000);
  for (const path of ['/module', '/classic']) {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${blog}${path}`);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, `${path}: COEP is in force`);
    await waitForState(page, 'idle');
    await page.close();
  }
});
