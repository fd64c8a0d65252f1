// What the drop-in loads, seen on the network: demo/embed.html served from another origin than the
// call server, read by a real Chromium. Which files load before the pre-join view shows (the
// critical path) and over a whole session (join, connect, chat, settings, the other language), with
// their gzip sizes against the budgets of scripts/check-bundle-size.mjs, and that every chunk comes
// from the entry's origin, once. Then the classic loader, pinned, with integrity, under the strict
// CSP, in a cross-origin iframe, on a Chinese page: Chinese from the first frame, and the stand-alone
// <rtc-device-picker> defined. Last, a chat message that reaches a reader whose chat chunk is held on the
// network is shown once the chunk arrives, exactly once.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
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

/** The budgets of scripts/check-bundle-size.mjs, in bytes of gzip. */
const CRITICAL_BUDGET = 24 * 1024;
const SESSION_BUDGET = 48 * 1024;

let browser: Browser;
before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
});
after(() => browser.close());

/** One script the page fetched: its address and the gzip size of the body it got. */
interface Loaded {
  url: string;
  gzip: number;
}

/**
 * Records every script a context fetches (module entries, their static imports and `import()`s,
 * in every frame), in the order they were requested; `failed` gets the ones that did not load.
 */
function recordScripts(context: BrowserContext): {
  loaded: (except?: RegExp) => Promise<Loaded[]>;
  failed: string[];
} {
  const requested: Array<Promise<Loaded>> = [];
  const urls: string[] = [];
  const failed: string[] = [];
  context.on('request', (request) => {
    if (request.resourceType() !== 'script') return;
    urls.push(request.url());
    requested.push(
      request.response().then(async (response) => {
        assert.ok(response, `${request.url()} got no response`);
        assert.equal(response.status(), 200, request.url());
        return { url: request.url(), gzip: gzipSync(await response.body(), { level: 9 }).length };
      }),
    );
  });
  context.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  // `except`: scripts not waited for (one held on the network), left out.
  const loaded = async (except?: RegExp) => {
    const wanted = requested.filter((_, i) => !except?.test(new URL(urls[i]!).pathname));
    return Promise.all(wanted);
  };
  return { loaded, failed };
}

const total = (files: Loaded[]): number => files.reduce((sum, file) => sum + file.gzip, 0);
const names = (files: Loaded[]): string[] => files.map((file) => new URL(file.url).pathname);

/** The table the test prints: what loaded when, with gzip bytes, for the record. */
function report(phases: Array<[string, Loaded[]]>): string {
  return phases
    .map(
      ([phase, files]) =>
        `${phase}: ${total(files)} bytes gzip\n` +
        files.map((file) => `  ${new URL(file.url).pathname.padEnd(44)} ${file.gzip}`).join('\n'),
    )
    .join('\n');
}

/** Resolves once `loaded` holds a script whose path matches `pattern` (a prefetch, say). */
async function untilLoaded(
  loaded: (except?: RegExp) => Promise<Loaded[]>,
  pattern: RegExp,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!names(await loaded()).some((path) => pattern.test(path))) {
    if (Date.now() > deadline) throw new Error(`${what} was never fetched`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('from another origin, the pre-join view loads the critical path only and a whole session stays within 48 KiB, every chunk from the entry’s origin, chat and settings prefetched', async (t) => {
  const { url: server } = await startApp(t);
  const blog = await startBlog(t, { '/': { body: await blogPost(server), type: HTML } });
  const origin = `http://127.0.0.1:${blog}`;
  assert.notEqual(new URL(server).origin, origin);
  const contexts = await Promise.all([person(browser), person(browser)]);
  t.after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
  });
  for (const context of contexts) context.setDefaultTimeout(20_000);
  const scripts = recordScripts(contexts[0]!);
  // The in-call view is prefetched once the pre-join view is up (at idle): it is held on the
  // network until the pre-join view is complete, which shows that view does not need it.
  const CALL_VIEW = /^\/chunks\/call-view-/;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let requested!: () => void;
  const prefetched = new Promise<void>((resolve) => (requested = resolve));
  await contexts[0]!.route(/\/chunks\/call-view-[0-9a-f]{10}\.js$/, async (route) => {
    requested();
    await held;
    await route.continue();
  });
  const [a, b] = (await Promise.all(contexts.map((context) => context.newPage()))) as [Page, Page];

  // Before the pre-join view: the camera preview and the Join button.
  await a.goto(`${origin}/`);
  await waitForState(a.mainFrame(), 'idle');
  await a.getByRole('button', { name: 'Join call' }).waitFor();
  await a.waitForFunction(() => document.querySelector('rtc-call')!.localStream !== null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    prefetched,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the in-call view is not prefetched while the pre-join view shows')),
        10_000,
      );
    }),
  ]).finally(() => {
    clearTimeout(timer);
    release(); // whatever happened: the held request must not outlive the test
  });
  const prejoin = await scripts.loaded(CALL_VIEW);
  release();

  // The other reader's page has no picker until one is added: then the drop-in defines it.
  await b.goto(`${origin}/`);
  await waitForState(b.mainFrame(), 'idle');
  assert.equal(await b.evaluate(() => customElements.get('rtc-device-picker')), undefined, 'no picker loaded');
  await b.evaluate(() => document.body.append(document.createElement('rtc-device-picker')));
  await b.waitForFunction(() => customElements.get('rtc-device-picker') !== undefined);

  // A whole session: join, connect, chat both ways, the settings, then Chinese.
  await Promise.all([joinThroughUi(a.mainFrame()), joinThroughUi(b.mainFrame())]);
  await expectCall(a.mainFrame(), b.mainFrame());
  // Prefetched once connected, before anyone opens them: opening never waits on the network.
  await untilLoaded(scripts.loaded, /^\/chunks\/chat-panel-/, 'the chat panel');
  await untilLoaded(scripts.loaded, /^\/chunks\/rtc-device-picker-/, 'the device picker');
  await exchangeChat(a.mainFrame(), b.mainFrame());
  await a.getByRole('button', { name: 'Settings' }).click();
  await a.locator('rtc-call rtc-device-picker select[part="videoinput"]').waitFor();
  await a.evaluate(() => document.querySelector('rtc-call')!.setAttribute('lang', 'zh-CN'));
  await a.getByRole('button', { name: '挂断' }).waitFor();
  // The stats sampling comes with the first sample, a second after connecting.
  await untilLoaded(scripts.loaded, /^\/chunks\/stats-/, 'the stats');
  const session = await scripts.loaded();
  console.log(
    report([
      ['before the pre-join view', prejoin],
      ['whole session', session],
    ]),
  );

  assert.deepEqual(scripts.failed, [], 'every script loaded');
  for (const file of session) assert.equal(new URL(file.url).origin, new URL(server).origin, file.url);
  assert.equal(new Set(names(session)).size, session.length, `no script twice: ${names(session).join(', ')}`);
  assert.equal(names(prejoin)[0], '/rtc-call.js', 'the page’s script tag first');
  assert.ok(
    names(prejoin).some((path) => /^\/chunks\/core-[0-9a-f]{10}\.js$/.test(path)),
    'the core chunk',
  );
  assert.deepEqual(
    names(prejoin).filter((path) => !/^\/(rtc-call\.js|chunks\/core-[0-9a-f]{10}\.js)$/.test(path)),
    [],
    'the in-call view, chat, settings, device switching, stats and Chinese are not on the critical path',
  );
  for (const chunk of [
    'call-view',
    'chat-channel',
    'chat-panel',
    'devices-controller',
    'rtc-device-picker',
    'stats',
    'zh-CN',
  ]) {
    assert.ok(
      names(session).some((path) => path.startsWith(`/chunks/${chunk}-`)),
      `${chunk} loaded in the session`,
    );
  }
  assert.ok(
    total(session) <= SESSION_BUDGET,
    `whole session: ${total(session)} bytes of gzip, budget ${SESSION_BUDGET}`,
  );
  assert.ok(
    total(prejoin) <= CRITICAL_BUDGET,
    `critical path: ${total(prejoin)} bytes of gzip, budget ${CRITICAL_BUDGET} (${total(prejoin) - CRITICAL_BUDGET} over)`,
  );
});

test('a Chinese page in a cross-origin iframe, with the pinned classic loader (integrity) under the strict CSP, renders Chinese from its first frame and defines a stand-alone picker', async (t) => {
  const { url: server } = await startApp(t);
  const manifest = (await (await fetch(`${server}/rtc-call.json`)).json()) as Record<
    string,
    { src: string; integrity: string }
  >;
  const { src, integrity } = manifest.classic!;
  const classic = `<script src="${EMBED_SERVER_PLACEHOLDER}${src}" integrity="${integrity}" crossorigin="anonymous"></script>`;
  const post = await blogPost(server, (page) =>
    page
      .replace('<html lang="en">', '<html lang="zh-CN">')
      .replace(MODULE_TAG, `${classic}\n<rtc-device-picker kinds="audioinput"></rtc-device-picker>`),
  );
  const parent = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>A page that frames the post</title></head>
  <body>
    <iframe name="post" title="Post" width="900" height="1200" allow="camera; microphone"></iframe>
    <script>
      document.querySelector('iframe').src = \`http://127.0.0.1:\${location.port}/\`;
    </script>
  </body>
</html>`;
  // The strict policy of embedding.md, but framed by the parent page (any port of localhost).
  const framedPolicy = strictPolicy(server).replace("frame-ancestors 'none'", 'frame-ancestors http://localhost:*');
  assert.notEqual(framedPolicy, strictPolicy(server));
  const port = await startBlog(t, {
    '/': { body: post, type: HTML, headers: { 'content-security-policy': framedPolicy } },
    '/parent.html': { body: parent, type: HTML },
  });
  const context = await person(browser);
  t.after(() => context.close());
  context.setDefaultTimeout(20_000);
  const scripts = recordScripts(context);
  const violations = await recordViolations(context);
  // What the element's first update rendered: the first frame that shows it.
  await context.addInitScript(() => {
    void customElements.whenDefined('rtc-call').then(async () => {
      const call = document.querySelector('rtc-call')!;
      const holder = window as unknown as { __firstRender: Promise<string> };
      holder.__firstRender = call.updateComplete.then(
        () => call.shadowRoot!.querySelector('button.join')?.textContent?.trim() ?? '',
      );
    });
  });
  const page = await context.newPage();
  // The parent is at localhost, the post at 127.0.0.1, the call server at another port: three origins.
  await page.goto(`http://localhost:${port}/parent.html`);
  const frame = page.frame({ name: 'post' }) as Frame;
  assert.ok(frame, 'the iframe is there');
  await waitForState(frame, 'idle');
  await frame.getByRole('button', { name: '加入通话' }).waitFor();
  const prejoin = await scripts.loaded();
  // The stand-alone picker: defined because the document holds one, and Chinese like its page.
  await frame
    .locator('rtc-device-picker')
    .getByText(/麦克风/)
    .first()
    .waitFor();

  assert.equal(
    await frame.evaluate(() => (window as unknown as { __firstRender: Promise<string> }).__firstRender),
    '加入通话',
    'the first render is in Chinese',
  );
  const pinnedEntry = manifest.module!.src;
  assert.deepEqual(names(prejoin).slice(0, 2), [src, pinnedEntry], 'the pinned loader, then the pinned entry');
  assert.ok(!names(prejoin).includes('/rtc-call.js'), 'no second copy of the entry under its other name');
  assert.ok(
    names(prejoin).some((path) => path.startsWith('/chunks/zh-CN-')),
    'Chinese strings before the first frame',
  );
  for (const file of await scripts.loaded()) assert.equal(new URL(file.url).origin, new URL(server).origin, file.url);
  assert.deepEqual(scripts.failed, []);
  assert.deepEqual(
    [
      ...(await violations(page)),
      ...(await frame.evaluate(() => (window as unknown as { __violations: string[] }).__violations)),
    ],
    [],
    'no CSP violation',
  );
  console.log(report([['before the pre-join view (Chinese, classic loader)', prejoin]]));
});

test('a chat message that arrives while the chat’s chunk is still on its way is shown once the chunk runs, exactly once', async (t) => {
  const { url: server } = await startApp(t);
  const blog = await startBlog(t, { '/': { body: await blogPost(server), type: HTML } });
  const origin = `http://127.0.0.1:${blog}`;
  const contexts = await Promise.all([person(browser), person(browser)]);
  t.after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
  });
  for (const context of contexts) context.setDefaultTimeout(20_000);
  // B's chat chunk (the chat protocol) is held on the network until A's message is on B's channel.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  await contexts[1]!.route(/\/chunks\/chat-channel-[0-9a-f]{10}\.js$/, async (route) => {
    held += 1;
    await released;
    await route.continue();
  });
  const [a, b] = (await Promise.all(contexts.map((context) => context.newPage()))) as [Page, Page];
  await Promise.all([a.goto(`${origin}/`), b.goto(`${origin}/`)]);
  // A first (alone, it waits for its chat before `waiting`); B joins a room with someone in it,
  // and the call goes on without waiting for B's chat.
  await joinThroughUi(a.mainFrame());
  await waitForState(a, 'waiting');
  await joinThroughUi(b.mainFrame());
  await expectCall(a.mainFrame(), b.mainFrame());
  const text = `sent before the chunk came ${Date.now()}`;
  await b.evaluate((wanted) => {
    const el = document.querySelector('rtc-call')!;
    const holder = window as unknown as { __received: string[]; __onWire: Promise<void> };
    holder.__received = [];
    el.addEventListener('rtc-message', (event) => holder.__received.push(event.message.text));
    holder.__onWire = new Promise((resolve) =>
      el.dataChannel!.addEventListener('message', ({ data }) => {
        if (String(data).includes(wanted)) resolve();
      }),
    );
  }, text);
  const sent = a.evaluate(
    (message) =>
      document
        .querySelector('rtc-call')!
        .sendMessage(message)
        .then((m) => m.status),
    text,
  );
  await b.evaluate(() => (window as unknown as { __onWire: Promise<void> }).__onWire);
  assert.equal(held, 1, 'the chat chunk was asked for once, and is held');
  assert.deepEqual(await b.evaluate(() => document.querySelector('rtc-call')!.messages.length), 0, 'no chat code yet');
  release();
  assert.equal(await sent, 'delivered');
  await b.waitForFunction(() => (window as unknown as { __received: string[] }).__received.length > 0);
  assert.deepEqual(await b.evaluate(() => (window as unknown as { __received: string[] }).__received), [text]);
  assert.deepEqual(
    await b.evaluate(() => document.querySelector('rtc-call')!.messages.map((message) => message.text)),
    [text],
  );
});
