// `npm run soak`: calls in a row through the real signaling server, each between two people (two
// Chromium contexts on the demo page), counting the calls that are not connected within 10 s and
// printing what each of them was doing. Not part of `npm test`: it is a hunt for rare failures.
//   --calls N    how many calls (default 200)
//   --load       a busy loop on every core while the calls run
//   --replaced   after each call connects, a duplicated tab of the first person takes the seat:
//                the first tab must end with endReason `replaced`, and the other person and the
//                new tab must be connected again within 10 s
//   --slow-camera MS  the second person's camera starts MS ms after it is asked for (a permission
//                prompt, a slow device); the first person joins first and waits, so that with MS
//                over 4000 its wait for the second person's offer runs out and both first offers
//                collide (the collision of issue 13, item 11)
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Socket } from 'socket.io';
import { buildApp } from '../server/app.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/chromium.js';
import { person } from '../test/e2e/support.js';

/** What a call may take, from both joins to both sides `connected`. */
const CONNECT_BUDGET_MS = 10_000;
/** Signaling messages kept per side, and per room on the server, for a failure's report. */
const KEPT_MESSAGES = 40;

/** The options of one soak run. */
export interface SoakOptions {
  calls: number;
  load: boolean;
  replaced: boolean;
  /** Milliseconds the second person's camera takes to start; 0: as fast as it is. */
  slowCamera: number;
}

/** Reads the command line; throws an error naming the bad option. */
export function soakOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      calls: { type: 'string', default: '200' },
      load: { type: 'boolean', default: false },
      replaced: { type: 'boolean', default: false },
      'slow-camera': { type: 'string', default: '0' },
    },
  });
  const calls = Number(values.calls);
  if (!/^\d+$/.test(values.calls) || !Number.isSafeInteger(calls) || calls < 1) {
    throw new Error(`--calls must be a positive whole number, not "${values.calls}"`);
  }
  const slowCamera = Number(values['slow-camera']);
  if (!/^\d+$/.test(values['slow-camera']) || slowCamera > 60_000) {
    throw new Error(`--slow-camera must be a whole number of milliseconds up to 60000, not "${values['slow-camera']}"`);
  }
  return { calls, load: values.load, replaced: values.replaced, slowCamera };
}

// ---- the server's side: what it received and relayed, per room ----

interface RelayEntry {
  ms: number;
  socket: string;
  line: string;
}

/** A short, SDP-free account of one socket.io event. */
function summary(event: unknown, payload: unknown): string {
  const p = (payload ?? {}) as Record<string, unknown>;
  const description = p.description as { type?: string } | undefined;
  if (description) return `${String(event)} ${description.type}`;
  if ('candidate' in p) return `${String(event)} ${p.candidate ? 'candidate' : 'end-of-candidates'}`;
  if (event === 'join') return `join session ${String(p.session ?? 'new').slice(0, 6)}${p.resume ? ' resume' : ''}`;
  const rest = JSON.stringify(payload) ?? '';
  return `${String(event)} ${rest.length > 80 ? `${rest.slice(0, 80)}…` : rest}`;
}

/**
 * Records every event each socket sends (with the server's answer) and every event the server
 * emits to it, under the room the socket joined. Registered before plugins/inbound.ts's own
 * middleware, it sees the packets first and passes them on untouched (only the acknowledgement is
 * wrapped, to read the answer).
 */
class RelayLog {
  readonly #rooms = new Map<string, RelayEntry[]>();
  readonly #roomOf = new Map<string, string>();
  #start = performance.now();

  constructor(app: FastifyInstance) {
    app.io.of('/').prependListener('connection', (socket: Socket) => {
      const id = socket.id.slice(0, 6);
      socket.use((packet, next) => {
        const [event, payload] = packet;
        if (event === 'join' && typeof (payload as { room?: unknown })?.room === 'string') {
          this.#roomOf.set(socket.id, (payload as { room: string }).room);
        }
        const entry = this.#add(socket.id, id, `→ ${summary(event, payload)}`);
        const ack = packet.at(-1);
        if (typeof ack === 'function') {
          packet[packet.length - 1] = (answer: { ok?: boolean; error?: { code?: string } }) => {
            if (entry) entry.line += answer?.ok ? ' (ok)' : ` (refused: ${answer?.error?.code ?? '?'})`;
            (ack as (answer: unknown) => void)(answer);
          };
        }
        next();
      });
      socket.onAnyOutgoing((event: unknown, payload: unknown) =>
        this.#add(socket.id, id, `← ${summary(event, payload)}`),
      );
      socket.on('disconnect', (reason) => this.#add(socket.id, id, `disconnected (${reason})`));
    });
  }

  /** Starts the clock of the next call. */
  restart(): void {
    this.#start = performance.now();
  }

  /** The last entries of `room`. */
  lines(room: string): string[] {
    return (this.#rooms.get(room) ?? []).map(
      ({ ms, socket, line }) => `${String(ms).padStart(6)} ms ${socket} ${line}`,
    );
  }

  /** Forgets a room once its call is over. */
  forget(room: string): void {
    this.#rooms.delete(room);
    for (const [socket, joined] of this.#roomOf) if (joined === room) this.#roomOf.delete(socket);
  }

  #add(socketId: string, id: string, line: string): RelayEntry | null {
    const room = this.#roomOf.get(socketId);
    if (!room) return null;
    const entries = this.#rooms.get(room) ?? [];
    const entry = { ms: Math.round(performance.now() - this.#start), socket: id, line };
    entries.push(entry);
    if (entries.length > KEPT_MESSAGES) entries.shift();
    this.#rooms.set(room, entries);
    return entry;
  }
}

// ---- the page's side ----

/** Runs in every page before its scripts: keeps the last socket.io frames, states and errors. */
function pageRecorder(kept: number): void {
  const soak = { frames: [] as string[], states: [] as string[], errors: [] as string[] };
  (window as unknown as { __soak: typeof soak }).__soak = soak;
  const t0 = performance.now();
  const stamp = (): string => `${String(Math.round(performance.now() - t0)).padStart(6)} ms`;
  const push = (list: string[], line: string): void => {
    list.push(`${stamp()} ${line}`);
    if (list.length > kept) list.shift();
  };
  const frame = (direction: string, data: unknown): void => {
    if (typeof data !== 'string' || data === '2' || data === '3') return; // engine.io ping/pong
    const text = data
      .replace(/"sdp":"(?:[^"\\]|\\.)*"/g, '"sdp":…')
      .replace(/"candidate":"([^"]{0,40})[^"]*"/g, '"candidate":"$1…"');
    push(soak.frames, `${direction} ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`);
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.addEventListener('message', ({ data }) => frame('in ', data));
      this.addEventListener('close', ({ code }) => push(soak.frames, `socket closed (${code})`));
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      frame('out', data);
      super.send(data);
    }
  };
  document.addEventListener('rtc-state-change', (event) =>
    push(soak.states, (event as unknown as { state: string }).state),
  );
  document.addEventListener('rtc-error', (event) => {
    const { code, message } = event as unknown as { code: string; message: string };
    push(soak.errors, `${code}: ${message}`);
  });
}

/** Everything a page can tell about its call, for a failure's report. */
async function pageReport(page: Page, name: string): Promise<string> {
  const report = await page
    .evaluate(async () => {
      const el = document.querySelector('rtc-call') as unknown as {
        state: string;
        endReason: string | null;
        error: { code: string } | null;
        peerConnection: RTCPeerConnection | null;
      } | null;
      const soak = (window as unknown as { __soak?: { frames: string[]; states: string[]; errors: string[] } }).__soak;
      const pc = el?.peerConnection ?? null;
      let connection = 'no peer connection';
      if (pc) {
        const counts: Record<string, number> = {};
        (await pc.getStats()).forEach((r: { type: string }) => (counts[r.type] = (counts[r.type] ?? 0) + 1));
        const ufrag = (sdp?: string): string => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1] ?? '-';
        connection =
          `signaling ${pc.signalingState}, gathering ${pc.iceGatheringState}, ice ${pc.iceConnectionState}, ` +
          `connection ${pc.connectionState}; candidates local ${counts['local-candidate'] ?? 0}, ` +
          `remote ${counts['remote-candidate'] ?? 0}, pairs ${counts['candidate-pair'] ?? 0}; ` +
          `ufrag local ${ufrag(pc.localDescription?.sdp)}, remote ${ufrag(pc.remoteDescription?.sdp)}`;
      }
      return [
        `state ${el?.state ?? 'no element'}${el?.endReason ? ` (endReason ${el.endReason})` : ''}${el?.error ? ` (error ${el.error.code})` : ''}`,
        connection,
        `states: ${soak?.states.map((line) => line.trim()).join(', ') ?? '-'}`,
        ...(soak?.errors.length ? ['rtc-error:', ...soak.errors.map((line) => `  ${line}`)] : []),
        'socket.io frames (last ones):',
        ...(soak?.frames ?? []).map((line) => `  ${line}`),
      ];
    })
    .catch((error: unknown) => [`(page gone: ${error instanceof Error ? error.message : String(error)})`]);
  return [`[${name}]`, ...report.map((line) => `  ${line}`)].join('\n');
}

// ---- calls ----

interface Person {
  context: BrowserContext;
  page: Page;
}

class CallFailure extends Error {
  override name = 'CallFailure';
}

/** What {@link allReach} waits for, checked in the page. */
type Check = 'connected' | 'replaced' | 'connected-anew';

/** Resolves when every page's `<rtc-call>` passes `check`, or rejects naming `what` at `deadline`. */
async function allReach(pages: Page[], deadline: number, what: string, check: Check): Promise<void> {
  const timeout = Math.max(1, deadline - Date.now());
  try {
    await Promise.all(
      pages.map((page) =>
        page.waitForFunction(
          (wanted) => {
            const el = document.querySelector('rtc-call') as unknown as {
              state: string;
              endReason: string | null;
              peerConnection: unknown;
            } | null;
            if (wanted === 'replaced') return el?.state === 'ended' && el.endReason === 'replaced';
            const anew =
              wanted !== 'connected-anew' || el?.peerConnection !== (window as unknown as { firstPc: unknown }).firstPc;
            return el?.state === 'connected' && anew;
          },
          check,
          { timeout, polling: 50 },
        ),
      ),
    );
  } catch {
    throw new CallFailure(`${what} within ${CONNECT_BUDGET_MS / 1000} s`);
  }
}

/** Runs in the second person's pages with `--slow-camera`: its camera starts `ms` late. */
function slowCamera(ms: number): void {
  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return getUserMedia(constraints);
  };
}

/** Presses Join on the page's `<rtc-call>`. */
function join(page: Page): Promise<void> {
  return page.evaluate(() => void (document.querySelector('rtc-call') as unknown as { join(): Promise<void> }).join());
}

/**
 * Opens the demo page of `room` for each person, then both press Join at the same moment (with a
 * slow camera: the first person first, the second once the first is waiting).
 */
async function call(people: Person[], url: string, room: string, slow: boolean): Promise<number> {
  await Promise.all(people.map(({ page }) => page.goto(`${url}/?room=${room}`)));
  await Promise.all(people.map(({ page }) => page.waitForFunction(() => customElements.get('rtc-call') !== undefined)));
  const started = Date.now();
  if (slow) {
    const [first, second] = people as [Person, Person];
    await join(first.page);
    await first.page.waitForFunction(
      () => (document.querySelector('rtc-call') as unknown as { state: string }).state === 'waiting',
    );
    await join(second.page);
  } else {
    await Promise.all(people.map(({ page }) => join(page)));
  }
  await allReach(
    people.map(({ page }) => page),
    started + CONNECT_BUDGET_MS,
    'both sides connected',
    'connected',
  );
  return Date.now() - started;
}

/**
 * A duplicated tab of the first person (its sessionStorage copied, as Chromium's Duplicate does)
 * takes the seat: the first tab ends `replaced`, the other person meets the new tab.
 */
async function replaceSeat(people: Person[], url: string, room: string): Promise<{ ms: number; tab: Page }> {
  const [first, second] = people as [Person, Person];
  const key = `rtc-call:sessions:${room}`;
  const stored = await first.page.evaluate((k) => sessionStorage.getItem(k), key);
  if (!stored) throw new CallFailure('the first tab kept no session');
  await second.page.evaluate(() => {
    (window as unknown as { firstPc: unknown }).firstPc = (
      document.querySelector('rtc-call') as unknown as {
        peerConnection: unknown;
      }
    ).peerConnection;
  });
  const tab = await first.context.newPage();
  await tab.addInitScript(([k, v]) => sessionStorage.setItem(k, v), [key, stored] as const);
  const started = Date.now();
  // The demo page's element joins by itself: the tab holds a session of the room.
  await tab.goto(`${url}/?room=${room}`);
  const deadline = started + CONNECT_BUDGET_MS;
  await allReach([first.page], deadline, 'the first tab ended with endReason replaced', 'replaced');
  await allReach([second.page], deadline, 'the other person connected to the new tab', 'connected-anew');
  await allReach([tab], deadline, 'the new tab connected', 'connected');
  return { ms: Date.now() - started, tab };
}

/** Hangs up everywhere (the seats free at once) and leaves the tabs blank for the next call. */
async function hangUp(pages: Page[]): Promise<void> {
  await Promise.all(
    pages.map(async (page) => {
      await page
        .evaluate(async () => {
          await (
            document.querySelector('rtc-call') as unknown as {
              hangup(): Promise<void>;
            } | null
          )?.hangup();
          sessionStorage.clear();
        })
        .catch(() => undefined);
      await page.goto('about:blank').catch(() => undefined);
    }),
  );
}

// ---- load ----

/** One busy loop per core, in processes of their own; returns a function that ends them. */
function startLoad(): () => void {
  const workers: ChildProcess[] = [];
  for (let i = 0; i < os.availableParallelism(); i += 1) {
    workers.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
  return () => {
    for (const worker of workers) worker.kill('SIGKILL');
  };
}

// ---- the run ----

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function soak(options: SoakOptions): Promise<number> {
  const app = await buildApp({ logLevel: false });
  const log = new RelayLog(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let browser: Browser | null = null;
  let stopLoad: (() => void) | null = null;
  const stop = (): void => {
    stopLoad?.();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    const people: Person[] = [];
    for (let i = 0; i < 2; i += 1) {
      const context = await person(browser);
      // tsx keeps function names with an `__name` helper that page functions carry along.
      await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      await context.addInitScript(pageRecorder, KEPT_MESSAGES);
      if (i === 1 && options.slowCamera > 0) await context.addInitScript(slowCamera, options.slowCamera);
      people.push({ context, page: await context.newPage() });
    }
    const what =
      (options.replaced ? 'calls, each then taken over by a duplicated tab,' : 'calls') +
      (options.slowCamera ? ` (the second camera ${options.slowCamera} ms late)` : '');
    console.log(
      `soak: ${options.calls} ${what} through ${url}${options.load ? `, ${os.availableParallelism()} busy loops` : ''}; ` +
        `Chromium ${browser.version()}, ${os.availableParallelism()} cores, ${new Date().toISOString()}`,
    );
    if (options.load) stopLoad = startLoad();
    const run = Math.random().toString(36).slice(2, 8);
    const times: number[] = [];
    const failures: string[] = [];
    const started = performance.now();
    const loadBefore = os.loadavg()[0]!;
    for (let n = 1; n <= options.calls; n += 1) {
      const room = `soak-${run}-${n}`;
      log.restart();
      let tab: Page | null = null;
      try {
        let ms = await call(people, url, room, options.slowCamera > 0);
        if (options.replaced) ({ ms, tab } = await replaceSeat(people, url, room));
        times.push(ms);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        const pages = people.map(({ page }, i) => pageReport(page, i === 0 ? 'first person' : 'second person'));
        const reports = await Promise.all(tab ? [...pages, pageReport(tab, 'duplicated tab')] : pages);
        const report = [
          `call ${n} (${room}) FAILED: ${why}`,
          ...reports,
          '[server, this room]',
          ...log.lines(room).map((line) => `  ${line}`),
        ].join('\n');
        failures.push(report);
        console.log(report);
      } finally {
        await hangUp([...people.map(({ page }) => page), ...(tab ? [tab] : [])]);
        await tab?.close().catch(() => undefined);
        log.forget(room);
      }
      if (n % 10 === 0 || n === options.calls) {
        const elapsed = (performance.now() - started) / 1000;
        console.log(`${n}/${options.calls} calls, ${failures.length} failed, ${elapsed.toFixed(0)} s`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const sorted = [...times].sort((x, y) => x - y);
    console.log(
      `\nsoak result: ${failures.length} of ${options.calls} ${options.replaced ? 'seat takeovers' : 'calls'} not connected within ` +
        `${CONNECT_BUDGET_MS / 1000} s${options.load ? ' (under load)' : ''}; ` +
        `time to connected p50 ${percentile(sorted, 50)} ms, p90 ${percentile(sorted, 90)} ms, max ${sorted.at(-1) ?? '-'} ms; ` +
        `${seconds.toFixed(0)} s in all (${(seconds / options.calls).toFixed(1)} s a call); ` +
        `load average ${loadBefore.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}`,
    );
    return failures.length;
  } finally {
    stopLoad?.();
    process.off('SIGINT', stop);
    await browser?.close();
    await app.close();
  }
}

let options: SoakOptions;
try {
  options = soakOptions(process.argv.slice(2));
} catch (error) {
  console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
  console.error('usage: npm run soak -- [--calls N] [--load] [--replaced] [--slow-camera MS]');
  process.exit(2);
}
process.exitCode = (await soak(options)) === 0 ? 0 : 1;
