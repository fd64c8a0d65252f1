import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { EMBED_SERVER_PLACEHOLDER } from '../../server/plugins/static.js';
import { waitForRemoteVideo, waitForState } from './support.js';

const DEMO = new URL('../../demo/', import.meta.url);

/** The script tag of demo/embed.html, as a blog post holds it. */

/** The content type of the blog pages these tests serve. */
export const HTML = 'text/html; charset=utf-8';
export const MODULE_TAG = `<script type="module" src="${EMBED_SERVER_PLACEHOLDER}/rtc-call.js"></script>`;

/**
 * The blog's Content-Security-Policy: the two lines docs/embedding.md tells site owners to add
 * (`server` in script-src and connect-src), on a policy that allows nothing else.
 */
export function strictPolicy(server: string): string {
  const ws = server.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    `script-src ${server}`,
    `connect-src ${server} ${ws}`,
    "style-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** One response of the blog server. */
export interface BlogFile {
  body: string | Buffer;
  type: string;
  headers?: OutgoingHttpHeaders;
}

/**
 * demo/embed.html as a blog at another origin would serve it: the call server's placeholder
 * address replaced by `server`, then changed by `edit` (another script tag, another stylesheet).
 */
export async function blogPost(server: string, edit: (page: string) => string = (page) => page): Promise<string> {
  const page = await readFile(new URL('embed.html', DEMO), 'utf8');
  assert.ok(page.includes(MODULE_TAG), 'demo/embed.html embeds the widget with the module script tag');
  return edit(page).replaceAll(EMBED_SERVER_PLACEHOLDER, server);
}

/**
 * A second HTTP server on 127.0.0.1 (another port: another origin than the call server) that
 * serves the blog's stylesheet and images, plus `pages` (path → response). Closed when the test
 * ends. Reach it as `http://127.0.0.1:<port>` or, for a third origin, `http://localhost:<port>`.
 */
export async function startBlog(t: TestContext, pages: Record<string, BlogFile>): Promise<number> {
  const files: Record<string, BlogFile> = {
    '/embed.css': { body: await readFile(new URL('embed.css', DEMO)), type: 'text/css' },
    ...Object.fromEntries(
      await Promise.all(
        ['cover.svg', 'figure.svg', 'author.svg'].map(
          async (name) =>
            [
              `/embed/${name}`,
              { body: await readFile(new URL(`embed/${name}`, DEMO)), type: 'image/svg+xml' },
            ] as const,
        ),
      ),
    ),
    ...pages,
  };
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://blog').pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type, ...file.headers }).end(file.body);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => {
    // A browser still holding a keep-alive connection must not keep the test waiting.
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

/** Clicks the widget's Join button, like a reader would. */
export async function joinThroughUi(frame: Frame): Promise<void> {
  await waitForState(frame, 'idle');
  await frame.getByRole('button', { name: 'Join call' }).click();
}

/** Both sides connected, each decoding the other's video. */
export async function expectCall(a: Frame, b: Frame): Promise<void> {
  await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
  await Promise.all([waitForRemoteVideo(a), waitForRemoteVideo(b)]);
}

/** Resolves with the text of the next `rtc-message` the frame's `<rtc-call>` fires. Call it before the send. */
async function nextMessage(frame: Frame): Promise<() => Promise<string>> {
  await frame.evaluate(() => {
    const holder = window as unknown as { __nextMessage?: Promise<string> };
    holder.__nextMessage = new Promise((resolve) =>
      document
        .querySelector('rtc-call')!
        .addEventListener('rtc-message', (event) => resolve(event.message.text), { once: true }),
    );
  });
  return () => frame.evaluate(() => (window as unknown as { __nextMessage: Promise<string> }).__nextMessage);
}

/**
 * A chat message each way: `a` types one into the chat panel and presses Send (the UI); `b`
 * answers through `sendMessage()` (the API). Each side gets the other's as an `rtc-message`.
 */
export async function exchangeChat(a: Frame, b: Frame): Promise<void> {
  const toB = await nextMessage(b);
  await a.getByRole('button', { name: 'Chat', exact: true }).click();
  await a.getByRole('textbox', { name: 'Message' }).fill('Hello from the blog post');
  await a.getByRole('button', { name: 'Send', exact: true }).click();
  assert.equal(await toB(), 'Hello from the blog post');

  const toA = await nextMessage(a);
  const sent = await b.evaluate(() =>
    document
      .querySelector('rtc-call')!
      .sendMessage('Hello back')
      .then((message) => message.status),
  );
  assert.equal(sent, 'delivered');
  assert.equal(await toA(), 'Hello back');
  // The panel shows the answer as text.
  await a.getByText('Hello back', { exact: true }).waitFor();
}

/** What a page of `context` reported as CSP violations, by event and by console message. */
export async function recordViolations(context: BrowserContext): Promise<(page: Page) => Promise<string[]>> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener(
      'securitypolicyviolation',
      (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`),
      true,
    );
  });
  const console: string[] = [];
  context.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) console.push(message.text());
  });
  return async (page) => [
    ...console,
    ...(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)),
  ];
}
