// The blog-post embed (demo/embed.html at another origin than the call server, under the strict
// Content-Security-Policy of docs/embedding.md) read in Firefox: a Firefox reader calls a Chromium
// reader through the widget's own Join button, both decode video, chat goes both ways, and neither
// engine reports a CSP violation. embed.test.ts covers the other embeds in Chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { startApp } from '../server/helpers.js';
import { HTML, blogPost, startBlog, strictPolicy } from './embed-support.js';
import {
  assertNoErrors,
  click,
  launchChromium,
  launchFirefox,
  person,
  until,
  waitForRemoteVideo,
  waitForState,
  type Person,
} from './engines.js';

// Every violation the page reports, by event, before any script of the page runs. A string, so that
// tsx adds nothing to it (engines.ts).
const RECORD_VIOLATIONS = `(() => {
  const seen = [];
  Object.defineProperty(window, '__violations', { value: seen });
  document.addEventListener('securitypolicyviolation', (e) => seen.push(e.effectiveDirective + ' ' + e.blockedURI), true);
})();`;

/** The CSP violations `who`'s page reported: its events, and console lines about the policy. */
async function violations(who: Person, console: string[]): Promise<string[]> {
  const events = await who.page.evaluate(() => [...(window as unknown as { __violations: string[] }).__violations]);
  return [...console, ...events];
}

const browsers: { chromium?: Browser; firefox?: Browser } = {};
before(async () => {
  [browsers.chromium, browsers.firefox] = await Promise.all([launchChromium(), launchFirefox()]);
});
after(() => Promise.all([browsers.chromium?.close(), browsers.firefox?.close()]));

test('Firefox reads the blog post under the strict CSP of embedding.md and calls Chromium through its Join button: video and chat both ways, no CSP violation in either engine', async (t) => {
  const { url: server } = await startApp(t);
  const policy = strictPolicy(server);
  const blog = await startBlog(t, {
    '/': { body: await blogPost(server), type: HTML, headers: { 'content-security-policy': policy } },
  });
  const firefox = await person(browsers.firefox!, 'firefox');
  const chromium = await person(browsers.chromium!, 'chromium');
  t.after(() => Promise.all([firefox.context.close(), chromium.context.close()]));
  const consoles = new Map<Person, string[]>();
  for (const who of [firefox, chromium]) {
    const lines: string[] = [];
    consoles.set(who, lines);
    who.page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) lines.push(message.text());
    });
    await who.page.evaluateOnNewDocument(RECORD_VIOLATIONS);
    await who.page.goto(`http://127.0.0.1:${blog}/`);
    await waitForState(who.page, 'idle');
  }

  // The Firefox reader joins first and waits; the Chromium reader's join makes the call.
  await click(firefox.page, 'Join call');
  await waitForState(firefox.page, 'waiting');
  await click(chromium.page, 'Join call');
  await Promise.all([waitForState(firefox.page, 'connected'), waitForState(chromium.page, 'connected')]);
  await Promise.all([waitForRemoteVideo(firefox.page), waitForRemoteVideo(chromium.page)]);

  for (const [from, to] of [
    [firefox, chromium],
    [chromium, firefox],
  ] as const) {
    const text = `Hello from ${from.engine} on the blog`;
    const status = await from.page.evaluate(
      (message: string) =>
        (document.querySelector('rtc-call') as unknown as { sendMessage(t: string): Promise<{ status: string }> })
          .sendMessage(message)
          .then((sent) => sent.status),
      text,
    );
    assert.notEqual(status, 'failed');
    await until(
      to.page,
      `${to.engine} gets "${text}" once`,
      (wanted: string) =>
        (
          document.querySelector('rtc-call') as unknown as { messages: Array<{ from: string; text: string }> }
        ).messages.filter((m) => m.from === 'remote' && m.text === wanted).length === 1,
      text,
    );
  }
  await assertNoErrors(firefox, chromium);
  for (const who of [firefox, chromium]) {
    assert.deepEqual(await violations(who, consoles.get(who)!), [], `no CSP violation in ${who.engine}`);
  }

  // The policy is in force in Firefox and the recorder hears it: an inline style is refused.
  await firefox.page.evaluate(() =>
    document.head.append(Object.assign(document.createElement('style'), { textContent: 'p{}' })),
  );
  await until(
    firefox.page,
    'Firefox reports the inline style',
    () => (window as unknown as { __violations: string[] }).__violations.length > 0,
    null,
  );
  assert.match((await violations(firefox, [])).join('\n'), /style-src/);
});
