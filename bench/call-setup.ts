// Call setup and data channel timings of three ways to hold the same 1:1 call, measured side by side
// in one headless Chromium: the widget, a hand-written floor page, and PeerJS with its own server.
// Each call is two people (two browser contexts); calls run one at a time, the variants interleaved.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { PeerServer } from 'peer';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildApp } from '../server/app.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/chromium.js';

/** The three ways of holding the call. */
export const VARIANTS = ['widget', 'floor', 'peerjs'] as const;
/** One of {@link VARIANTS}. */
export type Variant = (typeof VARIANTS)[number];

/** What one timed call measured, in milliseconds. */
export interface SetupSample {
  /** From the second person's join to the later of the two first decoded remote frames. */
  setup: number;
  /** From the second person's join to its peer connection being `connected` (part of `setup`). */
  connected: number;
  /** Round trips of a 2 KB message once both frames arrived, second person → first → second. */
  roundTrips: number[];
}

/** What one chat call measured: from the second person's `connected` to its first message delivered. */
export interface ChatSample {
  firstMessage: number;
}

/** Every call of one variant, and the calls that did not complete. */
export interface VariantResult {
  calls: SetupSample[];
  chats: ChatSample[];
  failures: string[];
}

/** One round's outcome for one variant: a sample, or why the call failed. */
export interface RoundOutcome {
  call: SetupSample | string;
  chat: ChatSample | string;
}

/** Options of {@link measureCalls}. */
export interface CallOptions {
  calls: number;
  /** Rounds run first and thrown away (first-use costs of the browser). */
  warmup: number;
  roundTrips: number;
  messageBytes: number;
  /** Called after each round; `round` counts from 1, and is 0 or below while warming up. */
  progress: (round: number, outcome: Record<Variant, RoundOutcome>) => void;
}

/** What {@link measureCalls} returns. */
export interface CallResults {
  chromium: string;
  results: Record<Variant, VariantResult>;
}

const ROOT = new URL('../', import.meta.url).pathname;
/**
 * The fake camera's frame rate: 30 fps, a typical webcam. Chromium's fake default is 20 fps, whose
 * 50 ms between frames sorts every call into one of two clusters a frame apart.
 */
export const CAMERA_FPS = 30;
const BROWSER_FLAGS = CHROMIUM_FLAGS.map((flag) =>
  flag.startsWith('--use-fake-device-for-media-stream=') ? `${flag},fps=${CAMERA_FPS}` : flag,
);
const CALL_TIMEOUT_MS = 30_000;

/** URL path → file served to the benchmark pages. */
const FILES: Record<string, string> = {
  '/widget.html': 'bench/pages/widget.html',
  '/widget.js': 'bench/pages/widget.js',
  '/floor.html': 'bench/pages/floor.html',
  '/floor.js': 'bench/pages/floor.js',
  '/peerjs.html': 'bench/pages/peerjs.html',
  '/peerjs.js': 'bench/pages/peerjs.js',
  '/measure.js': 'bench/pages/measure.js',
  '/rtc-call.js': 'dist/rtc-call.js',
  '/socket.io.esm.min.js': 'node_modules/socket.io-client/dist/socket.io.esm.min.js',
  '/peerjs.min.js': 'node_modules/peerjs/dist/peerjs.min.js',
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** What the benchmark pages' `window.bench` offers (bench/pages/*.js). */
interface BenchPage {
  frame: Promise<number>;
  seat(config: PageConfig): Promise<void>;
  call(config: PageConfig): Promise<{ joinAt: number; connectedAt: number; frameAt: number }>;
  chat(config: PageConfig): Promise<{ connectedAt: number; firstMessageAt: number }>;
  roundTrips(count: number, size: number): Promise<number[]>;
}

interface PageConfig {
  signaling: string;
  room: string;
  server: { host: string; port: number; path: string };
  self: string;
  other: string;
}

interface Services {
  pages: string;
  signaling: string;
  peerServer: { host: string; port: number; path: string };
  close(): Promise<void>;
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Our signaling server, PeerJS's server and a static server for the pages, all on 127.0.0.1. */
async function startServices(): Promise<Services> {
  const app = await buildApp({ logLevel: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const signaling = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const peerHttp = await new Promise<Server>((resolve) => {
    PeerServer({ port: 0, host: '127.0.0.1', path: '/' }, (server) => resolve(server as Server));
  });
  const peerPort = (peerHttp.address() as AddressInfo).port;

  const pages = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    // The drop-in's chunks (dist/chunks/), which its entry imports.
    const file = FILES[path] ?? (/^\/chunks\/[\w-]+\.js$/.test(path) ? `dist${path}` : undefined);
    if (!file) return void response.writeHead(404).end();
    readFile(ROOT + file).then(
      (body) => response.writeHead(200, { 'content-type': TYPES[extname(file)]! }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  const pagesPort = await listening(pages);

  return {
    pages: `http://127.0.0.1:${pagesPort}`,
    signaling,
    peerServer: { host: '127.0.0.1', port: peerPort, path: '/' },
    async close() {
      await app.close();
      pages.closeAllConnections();
      peerHttp.closeAllConnections();
      await Promise.all([pages, peerHttp].map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

/** One person: a browser context with camera and microphone allowed, and its tab. */
async function person(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  return context.newPage();
}

/** Loads a fresh copy of a benchmark page (ending whatever call the tab held). */
async function load(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => 'bench' in window);
}

// Page functions are serialised into the page: they may only name `window`, not helpers of this file.
type BenchWindow = { bench: BenchPage };

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Loads the variant's page for both people and seats the first; returns the second's config. */
async function prepare(people: [Page, Page], services: Services, variant: Variant, id: string): Promise<PageConfig> {
  await Promise.all(people.map((page) => load(page, `${services.pages}/${variant}.html`)));
  const config = { signaling: services.signaling, room: `bench-${id}`, server: services.peerServer };
  await timeout(
    people[0].evaluate((c) => (window as unknown as BenchWindow).bench.seat(c), {
      ...config,
      self: `${id}-a`,
      other: `${id}-b`,
    }),
    CALL_TIMEOUT_MS,
    'the first join',
  );
  return { ...config, self: `${id}-b`, other: `${id}-a` };
}

/**
 * Hangs up as a person closing the tab would: the tab's storage is emptied, so that every call
 * starts as a first visit (the widget keeps its session and chat there for a reload), and a blank
 * page closes the connections.
 */
async function hangUp(people: [Page, Page]): Promise<void> {
  await Promise.all(
    people.map(async (page) => {
      await page.evaluate(() => sessionStorage.clear()).catch(() => undefined);
      await page.goto('about:blank');
    }),
  );
}

/** A timed call: the second person joins; both wait for video; then chat round trips. */
async function setupCall(
  people: [Page, Page],
  services: Services,
  variant: Variant,
  id: string,
  options: CallOptions,
): Promise<SetupSample> {
  const [first, second] = people;
  try {
    const config = await prepare(people, services, variant, id);
    const [caller, firstFrame] = await timeout(
      Promise.all([
        second.evaluate((c) => (window as unknown as BenchWindow).bench.call(c), config),
        first.evaluate(() => (window as unknown as BenchWindow).bench.frame),
      ]),
      CALL_TIMEOUT_MS,
      'the call',
    );
    const roundTrips = await timeout(
      second.evaluate(
        ([count, size]) => (window as unknown as BenchWindow).bench.roundTrips(count, size),
        [options.roundTrips, options.messageBytes],
      ),
      CALL_TIMEOUT_MS,
      'the round trips',
    );
    return {
      setup: Math.max(firstFrame, caller.frameAt) - caller.joinAt,
      connected: caller.connectedAt - caller.joinAt,
      roundTrips,
    };
  } finally {
    await hangUp(people);
  }
}

/**
 * A chat call: the second person sends a message the moment it is connected. Kept apart from the
 * timed calls, whose video a message handled meanwhile would slow down.
 */
async function chatCall(people: [Page, Page], services: Services, variant: Variant, id: string): Promise<ChatSample> {
  try {
    const config = await prepare(people, services, variant, id);
    const chat = await timeout(
      people[1].evaluate((c) => (window as unknown as BenchWindow).bench.chat(c), config),
      CALL_TIMEOUT_MS,
      'the chat call',
    );
    return { firstMessage: chat.firstMessageAt - chat.connectedAt };
  } finally {
    await hangUp(people);
  }
}

const failure = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs `options.calls` rounds, each one timed call and one chat call per variant, interleaved. */
export async function measureCalls(options: CallOptions): Promise<CallResults> {
  const services = await startServices();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: BROWSER_FLAGS });
  const results = {} as Record<Variant, VariantResult>;
  for (const variant of VARIANTS) results[variant] = { calls: [], chats: [], failures: [] };
  const people = [await person(browser), await person(browser)] as [Page, Page];
  const run = Math.random().toString(36).slice(2, 8);
  try {
    for (let round = -options.warmup; round < options.calls; round += 1) {
      // Rotate the order every round, so no variant always runs right after another.
      const shift = ((round % VARIANTS.length) + VARIANTS.length) % VARIANTS.length;
      const order = [...VARIANTS.slice(shift), ...VARIANTS.slice(0, shift)];
      const outcome = {} as Record<Variant, RoundOutcome>;
      const id = (variant: Variant, kind: string): string => `${run}-${variant}-${kind}-${round + options.warmup}`;
      for (const variant of order) {
        const call = await setupCall(people, services, variant, id(variant, 'call'), options).catch(failure);
        outcome[variant] = { call, chat: '' };
      }
      for (const variant of order) {
        outcome[variant].chat = await chatCall(people, services, variant, id(variant, 'chat')).catch(failure);
      }
      options.progress(round + 1, outcome);
      if (round < 0) continue;
      for (const variant of VARIANTS) {
        const { call, chat } = outcome[variant];
        const result = results[variant];
        if (typeof call === 'string') result.failures.push(`timed call: ${call}`);
        else result.calls.push(call);
        if (typeof chat === 'string') result.failures.push(`chat call: ${chat}`);
        else result.chats.push(chat);
      }
    }
    return { chromium: browser.version(), results };
  } finally {
    await browser.close();
    await services.close();
  }
}
