// The one-line embed on other people's pages: demo/embed.html (a blog post) served from another
// origin than the call server, as a module script, as a classic script, inside a cross-origin
// iframe, under a strict Content-Security-Policy, and under a hostile stylesheet. Each test is two
// people (two browser contexts) who join through the widget's own button, see each other's video
// decoded, and exchange a chat message.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../browser/chromium.js';
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
  strictPolicy,
} from './embed-support.js';
import { person, waitForState } from './support.js';

let browser: Browser;
before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
});
after(() => browser.close());

/** Two people, each on a fresh page at `url`; their contexts close when the test ends. */
async function twoReaders(t: { after: (fn: () => Promise<void>) => void }, url: string): Promise<[Page, Page]> {
  const contexts = await Promise.all([person(browser), person(browser)]);
  t.after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
  });
  // Playwright actions wait forever by default: a widget that never shows its button must fail.
  for (const context of contexts) context.setDefaultTimeout(20_000);
  const pages = await Promise.all(contexts.map((context) => context.newPage()));
  await Promise.all(pages.map((page) => page.goto(url)));
  return [pages[0]!, pages[1]!];
}

/** The origins of the pages whose sockets are connected to the call server. */
function socketOrigins(app: Awaited<ReturnType<typeof startApp>>['app']): string[] {
  return [...app.io.of('/').sockets.values()].map((socket) => String(socket.handshake.headers.origin));
}

/** Computed styles of the blog's own elements, to compare with and without the widget. */
function pageStyles(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    ['body', 'h1', 'h2', 'p', 'a', 'img', 'figure', 'blockquote', '.sidebar', '.site-header', 'code'].map(
      (selector) => {
        const style = getComputedStyle(document.querySelector(selector)!);
        return `${selector}: ${style.font} ${style.color} ${style.background} ${style.margin} ${style.padding} ${style.display}`;
      },
    ),
  );
}

test('a blog post at another origin embeds the widget with one module script tag', async (t) => {
  const { url: server, app } = await startApp(t);
  const blog = await startBlog(t, {
    '/': { body: await blogPost(server), type: HTML },
    '/without-widget': { body: await blogPost(server, (page) => page.replace(MODULE_TAG, '')), type: HTML },
  });
  const origin = `http://127.0.0.1:${blog}`;
  assert.notEqual(new URL(server).origin, origin);
  const [a, b] = await twoReaders(t, `${origin}/`);

  // The widget changes nothing of the page's own styles and adds no style sheet to the document.
  const probe = await a.context().newPage();
  await probe.goto(`${origin}/without-widget`);
  const before = await pageStyles(probe);
  await probe.close();
  await waitForState(a.mainFrame(), 'idle');
  assert.deepEqual(await pageStyles(a), before, 'the page looks the same with the widget');
  assert.deepEqual(
    await a.evaluate(() => [document.adoptedStyleSheets.length, document.querySelectorAll('style').length]),
    [0, 0],
    'no style sheet of the widget in the page',
  );

  await Promise.all([joinThroughUi(a.mainFrame()), joinThroughUi(b.mainFrame())]);
  await expectCall(a.mainFrame(), b.mainFrame());
  await exchangeChat(a.mainFrame(), b.mainFrame());
  // The default signaling server is where the script came from, not the page's origin.
  assert.deepEqual(socketOrigins(app), [origin, origin]);
});

test('the classic-script build works where an editor strips type="module"', async (t) => {
  const { url: server, app } = await startApp(t);
  const classic = `<script src="${EMBED_SERVER_PLACEHOLDER}/rtc-call.iife.js"></script>`;
  const blog = await startBlog(t, {
    '/': { body: await blogPost(server, (page) => page.replace(MODULE_TAG, classic)), type: HTML },
  });
  const origin = `http://127.0.0.1:${blog}`;
  const [a, b] = await twoReaders(t, `${origin}/`);
  assert.deepEqual(
    await a.evaluate(() => [...document.scripts].map((script) => [script.type, script.src])),
    [['', `${server}/rtc-call.iife.js`]],
    'one classic script, nothing else',
  );
  await Promise.all([joinThroughUi(a.mainFrame()), joinThroughUi(b.mainFrame())]);
  await expectCall(a.mainFrame(), b.mainFrame());
  await exchangeChat(a.mainFrame(), b.mainFrame());
  assert.deepEqual(socketOrigins(app), [origin, origin]);
});

test('inside a cross-origin iframe with allow="camera; microphone; display-capture"', async (t) => {
  const { url: server } = await startApp(t);
  // The blog post at 127.0.0.1, framed by a page at localhost: two origins, and the call server a third.
  const parent = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A page that frames the post</title></head>
  <body>
    <h1>Framed</h1>
    <iframe name="call" title="Office hours" width="900" height="900" allow="camera; microphone; display-capture"></iframe>
    <iframe name="no-allow" title="Office hours, no permissions" width="400" height="300"></iframe>
    <script>
      for (const frame of document.querySelectorAll('iframe')) frame.src = \`http://127.0.0.1:\${location.port}/\`;
    </script>
  </body>
</html>`;
  const port = await startBlog(t, {
    '/': { body: await blogPost(server), type: HTML },
    '/parent.html': { body: parent, type: HTML },
  });
  const [a, b] = await twoReaders(t, `http://localhost:${port}/parent.html`);
  const frames = (page: Page): Frame => {
    const frame = page.frame({ name: 'call' });
    assert.ok(frame, 'the iframe is there');
    return frame;
  };
  await Promise.all([joinThroughUi(frames(a)), joinThroughUi(frames(b))]);
  await expectCall(frames(a), frames(b));
  await exchangeChat(frames(a), frames(b));

  // The same post framed without the allow attribute gets no camera: the permission error says so.
  const denied = a.frame({ name: 'no-allow' })!;
  await waitForState(denied, 'failed');
  assert.equal(await denied.evaluate(() => document.querySelector('rtc-call')!.error?.code), 'permission-denied');
});

test('under a strict Content-Security-Policy: no unsafe-inline, no unsafe-eval, the call server named only in script-src and connect-src', async (t) => {
  const { url: server } = await startApp(t);
  const policy = strictPolicy(server);
  const blog = await startBlog(t, {
    '/': { body: await blogPost(server), type: HTML, headers: { 'content-security-policy': policy } },
  });
  const contexts = await Promise.all([person(browser), person(browser)]);
  t.after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
  });
  for (const context of contexts) context.setDefaultTimeout(20_000);
  const pages = await Promise.all(contexts.map((context) => context.newPage()));
  const violations = await Promise.all(contexts.map((context) => recordViolations(context)));
  await Promise.all(pages.map((page) => page.goto(`http://127.0.0.1:${blog}/`)));
  const [a, b] = pages as [Page, Page];
  await Promise.all([joinThroughUi(a.mainFrame()), joinThroughUi(b.mainFrame())]);
  await expectCall(a.mainFrame(), b.mainFrame());
  await exchangeChat(a.mainFrame(), b.mainFrame());
  for (const [i, page] of pages.entries()) assert.deepEqual(await violations[i]!(page), [], 'no CSP violation');

  // The policy is in force and the recorder hears it: an inline style is refused and reported.
  await a.evaluate(() => document.head.append(Object.assign(document.createElement('style'), { textContent: 'p{}' })));
  await a.waitForFunction(() => (window as unknown as { __violations: string[] }).__violations.length > 0);
  assert.match((await violations[0]!(a)).join('\n'), /style-src-elem/);
});

/** What a careless theme or a hostile page can throw at an embedded widget. */
const HOSTILE_CSS = `
* { all: unset; }
html { font-size: 72px; }
body * { font-size: 48px !important; line-height: 3 !important; letter-spacing: 0.5em; text-transform: uppercase; }
video, button, textarea { display: none !important; }
`;

test('a hostile stylesheet (all: unset, video {display: none}, huge fonts) neither hides the videos nor blocks the controls', async (t) => {
  const { url: server } = await startApp(t);
  const hostileLink = '<link rel="stylesheet" href="hostile.css" />';
  const blog = await startBlog(t, {
    '/': { body: await blogPost(server, (page) => page.replace('</head>', `${hostileLink}\n</head>`)), type: HTML },
    '/hostile.css': { body: HOSTILE_CSS, type: 'text/css' },
  });
  const [a, b] = await twoReaders(t, `http://127.0.0.1:${blog}/`);
  assert.equal(
    await a.evaluate(() => getComputedStyle(document.querySelector('.note')!).fontSize),
    '48px',
    'the hostile sheet applies to the page',
  );
  // Every button and video is clicked or checked through Playwright, which refuses a target that is
  // hidden, covered or outside the page.
  await Promise.all([joinThroughUi(a.mainFrame()), joinThroughUi(b.mainFrame())]);
  await expectCall(a.mainFrame(), b.mainFrame());
  for (const page of [a, b]) {
    for (const part of ['remote-video', 'local-video']) {
      const video = page.locator(`rtc-call video[part="${part}"]`);
      await video.scrollIntoViewIfNeeded();
      const box = await video.boundingBox();
      const least = part === 'remote-video' ? 200 : 60; // the local video is a picture in the picture
      assert.ok(
        box && box.width >= least && box.height >= least / 2,
        `${part} is on the page (${JSON.stringify(box)})`,
      );
      const onTop = await video.evaluate((el) => {
        const rect = el.getBoundingClientRect();
        const root = el.getRootNode() as ShadowRoot;
        const top = root.elementFromPoint(rect.x + rect.width / 2, rect.y + rect.height / 2);
        // What is there instead, for the message: another element, or nothing (the point is off the page).
        return top === el || `${top ? top.localName : 'nothing'} at the centre of ${JSON.stringify(rect)}`;
      });
      assert.ok(onTop === true, `nothing covers the ${part} (${onTop})`);
    }
    const hangup = page.getByRole('button', { name: 'Hang up' });
    assert.deepEqual(
      await hangup.evaluate((el) => {
        const style = getComputedStyle(el);
        return [style.fontSize, style.letterSpacing, style.textTransform];
      }),
      ['14px', 'normal', 'none'],
      'the widget keeps its own type',
    );
  }
  await exchangeChat(a.mainFrame(), b.mainFrame());
  await a.getByRole('button', { name: 'Microphone' }).click();
  await a.waitForFunction(() => document.querySelector('rtc-call')!.micEnabled === false);
  await b.waitForFunction(() => document.querySelector('rtc-call')!.remoteMedia?.audio === false);
});

test('a signaling address that does not parse fails the join with signaling-unreachable and turns the camera off', async (t) => {
  const { url: server } = await startApp(t);
  const blog = await startBlog(t, { '/': { body: await blogPost(server), type: HTML } });
  const context = await person(browser);
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${blog}/`);
  await page.waitForFunction(() => customElements.get('rtc-call') !== undefined);
  // The drop-in script parses the address with URL, which refuses a space in the host.
  const outcome = await page.evaluate(async () => {
    const el = document.createElement('rtc-call') as HTMLElement & {
      join(): Promise<void>;
      state: string;
      error: { code: string } | null;
      localStream: MediaStream | null;
    };
    el.setAttribute('signaling', 'https://bad host.example');
    el.setAttribute('room', 'unparsable');
    document.body.append(el);
    await el.join();
    return { state: el.state, code: el.error?.code, localStream: el.localStream };
  });
  assert.deepEqual(outcome, { state: 'failed', code: 'signaling-unreachable', localStream: null });
});
