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

/** What one call measured, in milliseconds. */
export interface CallSample {
  /** From the second person's join to the later of the two first decoded remote frames. */
  setup: number;
  /** From the second person's join to its peer connection being `connected` (part of `setup`). */
  connected: number;
  /** From the second person's `connected` to its first chat message acknowledged by the first. */
  firstMessage: number;
  /** Round trips of a 2 KB message, second person → first → second. */
  roundTrips: number[];
}

/** Every call of one variant, and the calls that did not complete. */
export interface VariantResult {
  samples: CallSample[];
  failures: string[];
}

/** Options of {@link measureCalls}. */
export interface CallOptions {
  calls: number;
  /** Calls per variant run first and thrown away (first-use costs of the browser). */
  warmup: number;
  roundTrips: number;
  messageBytes: number;
  /** Called after each round of one call per variant; `round` counts from 1, and is 0 or below while warming up. */
  progress: (round: number, results: Record<Variant, CallSample | string | null>) => void;
}

/** What {@link measureCalls} returns. */
export interface CallResults {
  chromium: string;
  results: Record<Variant, VariantResult>;
}

const ROOT = new URL('../', import.meta.url).pathname;
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
  call(config: PageConfig): Promise<{ joinAt: number; connectedAt: number; firstMessageAt: number; frameAt: number }>;
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
    const file = FILES[new URL(request.url ?? '/', 'http://x').pathname];
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

/** One call between two fresh browser contexts. */
async function oneCall(
  people: [Page, Page],
  services: Services,
  variant: Variant,
  id: string,
  options: CallOptions,
): Promise<CallSample> {
  const url = `${services.pages}/${variant}.html`;
  const [first, second] = people;
  await Promise.all(people.map((page) => load(page, url)));
  try {
    const config = {
      signaling: services.signaling,
      room: `bench-${id}`,
      server: services.peerServer,
    };
    const a = { ...config, self: `${id}-a`, other: `${id}-b` };
    const b = { ...config, self: `${id}-b`, other: `${id}-a` };
    await timeout(
      first.evaluate((c) => (window as unknown as BenchWindow).bench.seat(c), a),
      CALL_TIMEOUT_MS,
      'the first join',
    );
    const [caller, firstFrame] = await timeout(
      Promise.all([
        second.evaluate((c) => (window as unknown as BenchWindow).bench.call(c), b),
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
      firstMessage: caller.firstMessageAt - caller.connectedAt,
      roundTrips,
    };
  } finally {
    // Hang up: a blank page closes the connections, as a person closing the tab would.
    await Promise.all(people.map((page) => page.goto('about:blank')));
  }
}

/** Runs `options.calls` calls of each variant, interleaved, after a few warm-up calls. */
export async function measureCalls(options: CallOptions): Promise<CallResults> {
  const services = await startServices();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
  const results = Object.fromEntries(VARIANTS.map((v) => [v, { samples: [], failures: [] }])) as unknown as Record<
    Variant,
    VariantResult
  >;
  const people = [await person(browser), await person(browser)] as [Page, Page];
  const run = Math.random().toString(36).slice(2, 8);
  try {
    for (let round = -options.warmup; round < options.calls; round += 1) {
      // Rotate the order every round, so no variant always runs right after another.
      const shift = ((round % VARIANTS.length) + VARIANTS.length) % VARIANTS.length;
      const order = [...VARIANTS.slice(shift), ...VARIANTS.slice(0, shift)];
      const outcome = Object.fromEntries(VARIANTS.map((v) => [v, null])) as Record<Variant, CallSample | string | null>;
      for (const variant of order) {
        try {
          outcome[variant] = await oneCall(
            people,
            services,
            variant,
            `${run}-${variant}-${round + options.warmup}`,
            options,
          );
        } catch (error) {
          outcome[variant] = error instanceof Error ? error.message : String(error);
        }
      }
      options.progress(round + 1, outcome);
      if (round < 0) continue;
      for (const variant of VARIANTS) {
        const result = outcome[variant];
        if (typeof result === 'string') results[variant].failures.push(result);
        else if (result) results[variant].samples.push(result);
      }
    }
    return { chromium: browser.version(), results };
  } finally {
    await browser.close();
    await services.close();
  }
}
