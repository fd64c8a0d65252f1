// Turns one run of `npm run bench` into the printed tables, docs/benchmarks.md and its SVG charts.
import type { BundleSize } from './bundle-size.js';
import { VARIANTS, type Variant, type VariantResult } from './call-setup.js';
import type { ServerResults } from './server-results.js';

/** Everything one run measured, and what it ran on. */
export interface Report {
  date: string;
  durationSeconds: number;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; loadBefore: number[]; loadAfter: number[] };
  /** Chromium, Node and the packages that took part, name → version. */
  versions: Record<string, string>;
  options: { calls: number; warmup: number; roundTrips: number; messageBytes: number };
  calls: Record<Variant, VariantResult>;
  bundles: BundleSize[];
  server: ServerResults | string;
}

/** Percentiles of one distribution. */
export interface Summary {
  n: number;
  min: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  max: number;
}

/** How each variant is named in tables and charts. */
export const LABELS: Record<Variant, string> = {
  widget: 'rtc-call',
  floor: 'floor (no widget)',
  peerjs: 'PeerJS + peer',
};
const COLOURS: Record<Variant, string> = { widget: '#2563eb', floor: '#6b7280', peerjs: '#d97706' };

/** Linear interpolation between the closest ranks (the usual "type 7" quantile). */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** Percentiles of `values`, or null when there are none. */
export function summarize(values: number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0]!,
    p25: quantile(sorted, 0.25),
    p50: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    p90: quantile(sorted, 0.9),
    max: sorted[sorted.length - 1]!,
  };
}

const setupOf = (result: VariantResult): number[] => result.calls.map((sample) => sample.setup);
const connectedOf = (result: VariantResult): number[] => result.calls.map((sample) => sample.connected);
const afterConnectedOf = (result: VariantResult): number[] =>
  result.calls.map((sample) => sample.setup - sample.connected);
const firstMessageOf = (result: VariantResult): number[] => result.chats.map((sample) => sample.firstMessage);
const roundTripsOf = (result: VariantResult): number[] => result.calls.flatMap((sample) => sample.roundTrips);

const ms = (value: number | undefined): string => (value === undefined ? 'n/a' : `${Math.round(value)} ms`);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`;
const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;

/** rtc-call's p50 and p90 setup over another variant's. */
export function setupRatios(report: Report, other: Variant): { p50: string; p90: string } {
  const widget = summarize(setupOf(report.calls.widget));
  const them = summarize(setupOf(report.calls[other]));
  return { p50: ratio(widget?.p50, them?.p50), p90: ratio(widget?.p90, them?.p90) };
}

interface Table {
  headers: string[];
  rows: string[][];
}

function setupTable(report: Report): Table {
  return {
    headers: [
      'variant',
      'calls',
      'p50',
      'p90',
      'min',
      'max',
      'rtc-call ÷ this (p50 / p90)',
      'join → connected, p50',
      'connected → frames, p50',
      'failed',
    ],
    rows: VARIANTS.map((variant) => {
      const result = report.calls[variant];
      const s = summarize(setupOf(result));
      const r = variant === 'widget' ? { p50: '', p90: '' } : setupRatios(report, variant);
      return [
        LABELS[variant],
        String(s?.n ?? 0),
        ms(s?.p50),
        ms(s?.p90),
        ms(s?.min),
        ms(s?.max),
        variant === 'widget' ? '' : `${r.p50} / ${r.p90}`,
        ms(summarize(connectedOf(result))?.p50),
        ms(summarize(afterConnectedOf(result))?.p50),
        String(result.failures.length),
      ];
    }),
  };
}

function dataTable(report: Report): Table {
  const bytes = report.options.messageBytes;
  return {
    headers: [
      'variant',
      'connected → first message delivered, p50',
      'p90',
      `${bytes / 1024} KB round trip, p50`,
      'p90',
      'chat calls',
      'round trips',
    ],
    rows: VARIANTS.map((variant) => {
      const first = summarize(firstMessageOf(report.calls[variant]));
      const trips = summarize(roundTripsOf(report.calls[variant]));
      return [
        LABELS[variant],
        ms(first?.p50),
        ms(first?.p90),
        ms(trips?.p50),
        ms(trips?.p90),
        String(first?.n ?? 0),
        String(trips?.n ?? 0),
      ];
    }),
  };
}

function bundleTable(report: Report): Table {
  return {
    headers: ['script', 'minified', 'gzip -9', 'from'],
    rows: report.bundles.map((b) => [b.name, `${kB(b.min)} (${b.min} B)`, `${kB(b.gzip)} (${b.gzip} B)`, b.source]),
  };
}

function serverTable(server: ServerResults): Table {
  return {
    headers: ['figure', ...server.setups, 'note'],
    rows: server.figures.map((f) => [
      f.name,
      ...f.values.map((value) => `${value}${f.unit && typeof value === 'number' ? ` ${f.unit}` : ''}`),
      f.note ?? '',
    ]),
  };
}

function plainTable({ headers, rows }: Table): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function markdownTable({ headers, rows }: Table): string {
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The Server section of docs/benchmarks.md. */
function serverSection({ server }: Report): string {
  if (typeof server === 'string') return `${server[0]!.toUpperCase()}${server.slice(1)}.`;
  const context = [server.machine && `on ${server.machine}`, server.workload && `load: ${server.workload}`]
    .filter(Boolean)
    .join('; ');
  return (
    `Figures of \`${server.command}\`, measured ${server.measuredAt}${context ? ` ${context}` : ''}. ` +
    `What they mean for sizing a deployment: [scaling.md](scaling.md#measured-figures).\n\n` +
    markdownTable(serverTable(server))
  );
}

/** The server figures as a plain-text table (what `npm run bench:server` prints). */
export function serverPrintable(server: ServerResults): string {
  return plainTable(serverTable(server));
}

/** The tables as printed at the end of `npm run bench`. */
export function printable(report: Report): string {
  const { server } = report;
  const failures = VARIANTS.flatMap((variant) =>
    report.calls[variant].failures.map((failure) => `  ${LABELS[variant]}: ${failure.split('\n')[0]}`),
  );
  return [
    `Call setup: second join() → first decoded remote frame on both sides (${report.options.calls} calls each)`,
    plainTable(setupTable(report)),
    '',
    'Data channel (chat)',
    plainTable(dataTable(report)),
    '',
    'Bundle size',
    plainTable(bundleTable(report)),
    '',
    typeof server === 'string' ? 'Server' : `Server (${[server.command, server.workload].filter(Boolean).join('; ')})`,
    typeof server === 'string' ? server : serverPrintable(server),
    ...(failures.length ? ['', 'Failed calls', ...failures] : []),
  ].join('\n');
}

/**
 * The README's size figures (its "Size" section), from the measured bundles: `npm run bench`
 * writes them, and `bench/bench.ts --sizes-only` writes only them.
 */
export function sizeParagraph(bundles: BundleSize[]): string {
  const [critical, session] = bundles;
  const bytes = (n: number): string => n.toLocaleString('en-US');
  // Without the content hashes, which change with every build.
  const files = (source: string): string =>
    source
      .replace(/^npm run build: /, '')
      .replace(/-[0-9a-f]{10}\.js/g, '-….js')
      .replace(/[\w/.…-]+\.js/g, (file) => `\`${file}\``);
  return (
    `Before the pre-join view shows, a page loads the critical path: **${kB(critical!.min)} minified, ` +
    `${kB(critical!.gzip)} gzip** (${bytes(critical!.gzip)} bytes: ${files(critical!.source)}). ` +
    `A whole session that opens chat and settings and switches to Chinese loads **${kB(session!.gzip)} gzip** ` +
    `(${bytes(session!.gzip)} bytes, ${files(session!.source)}).`
  );
}

/** One paragraph for the README: the headline ratios. */
export function headline(report: Report): string {
  const widget = summarize(setupOf(report.calls.widget));
  const floor = setupRatios(report, 'floor');
  const peerjs = setupRatios(report, 'peerjs');
  const connected = ratio(
    summarize(connectedOf(report.calls.widget))?.p50,
    summarize(connectedOf(report.calls.floor))?.p50,
  );
  const [critical, session, base, peer] = report.bundles;
  return (
    `Join to first video on both sides: p50 ${ms(widget?.p50)}, p90 ${ms(widget?.p90)} on a ` +
    `${report.machine.cores}-core machine, **${floor.p50}** a hand-written page without a widget and ` +
    `**${peerjs.p50}** PeerJS at p50 (${floor.p90} and ${peerjs.p90} at p90; to \`connected\` alone, ` +
    `${connected} the hand-written page). Drop-in ${kB(critical!.gzip)} gzip to the pre-join view ` +
    `(${kB(session!.gzip)} for a whole session), against ${kB(base!.gzip)} for lit + socket.io-client ` +
    `alone and ${kB(peer!.gzip)} for PeerJS.`
  );
}

// ---- charts ----

interface ChartRow {
  label: string;
  colour: string;
  values: number[];
}

function niceStep(span: number): number {
  const raw = span / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw)!;
}

const escapeXml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * A strip plot per row: one dot per sample, a box from p25 to p75, a thick line at p50 and a
 * dashed one at p90. Far outliers are drawn at the right edge and counted, so that one slow call
 * on a busy machine does not squash the rest.
 */
export function stripChart(title: string, rows: ChartRow[]): string {
  const width = 760;
  const left = 150;
  const right = 600;
  const rowHeight = 64;
  const top = 44;
  const height = top + rows.length * rowHeight + 56;
  const summaries = rows.map((row) => summarize(row.values));
  const largestP90 = Math.max(1, ...summaries.map((s) => s?.p90 ?? 0));
  const largest = Math.max(1, ...rows.flatMap((row) => row.values));
  const step = niceStep(Math.min(largest, largestP90 * 2.5));
  const end = Math.ceil(Math.min(largest, largestP90 * 2.5) / step) * step;
  const x = (value: number): number => left + (Math.min(value, end) / end) * (right - left);
  const f = (value: number): string => value.toFixed(1);
  const parts: string[] = [];
  parts.push(`<text x="16" y="24" font-size="15" font-weight="600">${escapeXml(title)}</text>`);
  for (let tick = 0; tick <= end; tick += step) {
    const tx = f(x(tick));
    const bottom = top + rows.length * rowHeight;
    parts.push(`<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${tx}" y="${bottom + 16}" font-size="11" text-anchor="middle" fill="#4b5563">${tick}</text>`);
  }
  parts.push(
    `<text x="${(left + right) / 2}" y="${top + rows.length * rowHeight + 34}" font-size="11" text-anchor="middle" fill="#4b5563">ms</text>`,
  );
  rows.forEach((row, i) => {
    const s = summaries[i];
    const middle = top + i * rowHeight + rowHeight / 2;
    parts.push(
      `<text x="${left - 10}" y="${middle + 4}" font-size="13" text-anchor="end">${escapeXml(row.label)}</text>`,
    );
    if (!s) return;
    parts.push(
      `<rect x="${f(x(s.p25))}" y="${middle - 14}" width="${f(Math.max(1, x(s.p75) - x(s.p25)))}" height="28" fill="${row.colour}" fill-opacity="0.15" stroke="${row.colour}"/>`,
      `<line x1="${f(x(s.p50))}" y1="${middle - 18}" x2="${f(x(s.p50))}" y2="${middle + 18}" stroke="${row.colour}" stroke-width="3"/>`,
      `<line x1="${f(x(s.p90))}" y1="${middle - 18}" x2="${f(x(s.p90))}" y2="${middle + 18}" stroke="${row.colour}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    );
    row.values.forEach((value, j) => {
      // A fixed jitter (golden-ratio sequence) spreads the dots without randomness.
      const jitter = (((j * 0.618034) % 1) - 0.5) * 22;
      parts.push(
        `<circle cx="${f(x(value))}" cy="${f(middle + jitter)}" r="2.6" fill="${row.colour}" fill-opacity="0.7"/>`,
      );
    });
    const beyond = row.values.filter((value) => value > end).length;
    const note = `p50 ${Math.round(s.p50)} · p90 ${Math.round(s.p90)} ms`;
    parts.push(`<text x="${right + 14}" y="${middle + 4}" font-size="12" fill="#111827">${note}</text>`);
    if (beyond) {
      parts.push(
        `<text x="${right + 14}" y="${middle + 20}" font-size="11" fill="#4b5563">${beyond} beyond ${end} ms</text>`,
      );
    }
  });
  parts.push(
    `<text x="16" y="${height - 8}" font-size="11" fill="#4b5563">One dot per sample; box p25–p75, thick line p50, dashed line p90.</text>`,
  );
  const description = rows
    .map((row, i) => `${row.label}: p50 ${ms(summaries[i]?.p50)}, p90 ${ms(summaries[i]?.p90)}`)
    .join('; ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="system-ui, sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<desc>${escapeXml(description)}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** The call setup chart (docs/images/benchmarks-setup.svg). */
export function setupChart(report: Report): string {
  return stripChart(
    `Call setup: second join() → first remote frame on both sides (${report.options.calls} calls each)`,
    VARIANTS.map((v) => ({ label: LABELS[v], colour: COLOURS[v], values: setupOf(report.calls[v]) })),
  );
}

/** The data channel chart (docs/images/benchmarks-data.svg). */
export function dataChart(report: Report): string {
  return stripChart(
    `Chat: ${report.options.messageBytes / 1024} KB message round trip`,
    VARIANTS.map((v) => ({ label: LABELS[v], colour: COLOURS[v], values: roundTripsOf(report.calls[v]) })),
  );
}

// ---- docs/benchmarks.md ----

/** docs/benchmarks.md for this run (unformatted: the caller runs prettier over it). */
export function benchmarksMarkdown(report: Report): string {
  const { machine, options } = report;
  const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(', ');
  const versions = Object.entries(report.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const failures = VARIANTS.flatMap((variant) =>
    report.calls[variant].failures.map((failure) => `- ${LABELS[variant]}: ${failure.split('\n')[0]}`),
  );
  const connectedWidget = summarize(connectedOf(report.calls.widget));
  const connectedFloor = summarize(connectedOf(report.calls.floor));
  return `# Benchmarks

<!-- Written by \`npm run bench\` (bench/report.ts). Do not edit by hand: run it again. -->

rtc-call next to the alternatives people compare it with, measured the same way in the same run:
a hand-written page that holds the same call with no widget (the floor), and PeerJS with its own
server. Run it yourself with \`npm run bench\` (about ${Math.ceil(report.durationSeconds / 60)} minutes on this machine).

${headline(report)}

Run of ${report.date}, ${Math.round(report.durationSeconds)} s in all.

## Call setup

From the second person's \`join()\` to the first decoded remote video frame on **both** sides (the
later of the two), ${options.calls} calls per variant. The last two columns split each call at the
moment the second person's peer connection became \`connected\` (the medians of the parts need not add up
to the median of the whole).

${markdownTable(setupTable(report))}

![Call setup, one dot per call](images/benchmarks-setup.svg)

### What was tuned

Traced with Chromium's own timeline on 2026-11-21 (call by call, both people; the millisecond
figures below are from those traces, at 20 fps), then measured against the unchanged widget in
interleaved runs:

- The second person's first offer starts as soon as its peer connection exists, instead of on
  \`negotiationneeded\`, a task that queued behind the widget's own rendering
  (\`src/webrtc/peer-session.ts\`; \`test/browser/peer-session.test.ts\` checks that exactly one offer
  goes out).
- The camera starts in the same task as \`join()\`, before anything renders: the device list is
  read first only when a device choice was remembered (\`mediaConstraints()\` in
  \`src/controllers/devices-controller.ts\`). It used to start 6–10 ms into the join.
- Remote tracks reach the page once per description, after the answer is under way: the page used to
  render between the audio and the video track events, which held up the answer by 10–20 ms on
  each side.
- The first stats sample waits a second after \`connected\` (reading the stats report took about
  5 ms of the page's main thread just while the first frames were on their way).
- Already in place before: media and the signaling connection start together, the person who
  joins second offers at once, and the first holds its offers until then.
- Tried and left out: making the first offer before the camera runs (transceivers first, tracks
  when they come). The offer left 20 ms sooner, but on two cores the peer connection's setup then
  competed with the camera's start and the connection was not up any sooner. Also
  \`iceCandidatePoolSize: 1\` (on loopback, host candidates are gathered in a millisecond or two;
  with STUN or TURN servers it would be worth another look) and no transition on the local preview.
- What remains is work the floor page does not do: the widget renders its in-call view during the
  join (lit updates and frames of style, layout and paint) and runs a second data channel and the
  chat's hello. On two cores shared by two renderers, the browser and the servers, that work waits
  its turn for the CPU. In this run the second person was \`connected\` after ${ms(connectedWidget?.p50)} at p50 with
  rtc-call and ${ms(connectedFloor?.p50)} with the floor (${ratio(connectedWidget?.p50, connectedFloor?.p50)}). Less of that reaches the setup time,
  because the first frame can only leave on a tick of the sender's camera (every 33 ms at 30 fps).

## Data channel

Time from \`connected\` (the second person's peer connection) to its first chat message being
delivered, measured in calls of their own (${options.calls} per variant); and the round trip of a
${options.messageBytes}-byte message in the timed calls once both videos showed (${options.roundTrips} per call: sent by the
second person, echoed by the first, received).

${markdownTable(dataTable(report))}

![Round trips of a 2 KB chat message, one dot per message](images/benchmarks-data.svg)

## Bundle size

Computed from the installed packages: the drop-in as \`npm run build\` makes it, before the pre-join
view (\`dist/rtc-call.js\` and the chunk it imports) and over a whole session (every chunk: chat,
settings, Chinese; scripts/drop-in-sizes.mjs); lit +
socket.io-client alone (the parts rtc-call imports, \`bench/baseline-entry.js\`) bundled by the same
rollup setup (\`rollup.config.mjs\`: WebSocket-only transport, terser); PeerJS's own
\`peerjs.min.js\`. 1 kB = 1000 bytes.

${markdownTable(bundleTable(report))}

## Server

${serverSection(report)}

## Machine

- ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB memory, ${machine.os}.
- Load average (1, 5, 15 min) before the run: ${load(machine.loadBefore)}; after: ${load(machine.loadAfter)}. The
  machine is shared: a load above the core count means other work competed with the browsers, which
  widens every distribution (all variants alike, since they are interleaved).
- ${versions}.

## Method

- **Same conditions.** One headless Chromium with the flags of the test suite
  (\`test/browser/chromium.ts\`: fake camera and microphone, \`--allow-loopback-in-peer-connection\`),
  the fake camera set to 30 frames a second like a typical webcam (\`CAMERA_FPS\` in
  \`bench/call-setup.ts\`; Chromium's default of 20 sorts the setup times into clusters 50 ms apart:
  on 2026-11-21 the p50 ratio to the floor at 20 fps went from 1.02× to 1.32× between two runs of
  the same code, as the calls fell on one side or the other of a frame),
  inside a network namespace that has only a loopback interface (\`scripts/in-netns.sh\`). No ICE
  servers: host candidates on 127.0.0.1. Every server listens on a free port of 127.0.0.1 in the
  benchmark's own process: rtc-call's signaling server (\`buildApp()\`, default configuration), PeerJS's
  server (npm \`peer\`), and a static server for the pages.
- **Two people, two contexts.** Each call is two browser contexts (two people: separate storage,
  separate renderer processes), each loading a fresh copy of the variant's page for every call. The
  first person joins and waits until seated (media acquired, joined at the server); then the
  second person's join is timed. Media is acquired inside the timed join in every variant
  (\`getUserMedia\` in parallel with the signaling connection); the widget gets its room in the same
  task as \`join()\`, so it does not start a camera preview first. Every page shows the same picture:
  the remote video on a 640 px wide stage, the local camera small in a corner.
- **First frame.** \`requestVideoFrameCallback\` on each side's remote \`<video>\`, registered when
  the page loads; a side's first frame is the callback's \`presentationTime\` (when the decoded
  frame went to the compositor), so a page is not charged for the moment its main thread gets
  round to the callback. The setup time runs from \`join()\` to the later of the two sides. Times
  are taken on the wall clock (\`Date.now()\`), the one clock the two renderer processes share.
- **Variants.**
  - rtc-call: the drop-in \`dist/rtc-call.js\` (and its chunks) and one \`<rtc-call>\` per page
    (\`bench/pages/widget.js\`); chat through \`sendMessage()\` (resolves when the peer acknowledged it) and the
    \`rtc-message\` event.
  - floor (\`bench/pages/floor.js\`): socket.io-client against the same signaling server (protocol
    v1: \`join\`, \`signal\`, \`peer-join\`), one RTCPeerConnection with a negotiated data channel,
    trickle ICE, the second to join offers as soon as it is seated; the first answers. Chat is a
    bare \`send()\`, the peer answers \`hello\` with \`ack\`.
  - PeerJS (\`bench/pages/peerjs.js\`): \`peer.call(id, stream)\` for media and \`peer.connect(id)\` for
    chat, started together, as PeerJS's documentation shows a call with chat (PeerJS gives each its own
    RTCPeerConnection); the first person answers with its stream. Host, port and path point at the
    local PeerServer; \`config: {iceServers: []}\` replaces PeerJS's default Google STUN server.
- **Order and count.** ${options.warmup} warm-up round${options.warmup === 1 ? '' : 's'} (discarded), then ${options.calls} rounds; a round is one
  timed call per variant, then one chat call per variant, one call at a time, the order rotated
  every round so that no variant always follows another. A call that does not finish within 30 s
  counts as failed and is listed; it is not retried.
- **Data channel.** The first message is measured in separate chat calls: handling a message while
  the first frames are on their way would slow the timed calls. "Connected" is the second person's
  \`connected\` (the widget's state, the peer connection's \`connectionState\` for the others; for
  PeerJS the media connection's). The message is sent at that moment and counts once the first
  person has it: the widget's chat acknowledges it itself (at once; acknowledgements due within the
  next 20 ms, \`ackDelayMs\`, are coalesced); on the others the first person answers \`ack\`.
  Round trips run after the setup of the timed calls, one after another on the open channel.
- **Percentiles** interpolate linearly between the closest ranks; ratios divide rtc-call's
  percentile by the other variant's (below 1 means rtc-call is faster).
- Raw samples of the last run: \`bench/results/bench.json\` (not committed);
  \`node --import tsx bench/bench.ts --report-only\` writes this page and the charts again from them.

${failures.length ? `### Failed calls\n\n${failures.join('\n')}\n\n` : ''}## Server results contract

\`npm run bench\` ends by running \`npm run bench:server\` (bench/server-load.ts), which writes
\`bench/results/server.json\`; \`--skip-server\` leaves that phase out and reads the file as the last
run left it ("not measured yet" when there is none). The file is:

\`\`\`json
{
  "command": "npm run bench:server",
  "measuredAt": "2026-11-21T12:00:00.000Z",
  "machine": "2 cores (…), 23.5 GiB, Node v20 (optional, free text)",
  "workload": "10000 sockets (5000 rooms), … (optional, free text)",
  "setups": ["1 node, memory", "2 nodes, Redis"],
  "figures": [
    { "name": "server RSS per socket", "values": [8.5, 9.1], "unit": "KiB", "note": "optional" },
    { "name": "Redis memory", "values": ["–", 12.3], "unit": "MiB" }
  ]
}
\`\`\`

\`figures\` is listed in order; each has one \`value\` per setup, a finite number or a short text
(the unit is shown after numbers only); \`unit\` and \`note\` are optional. \`bench/server-results.ts\`
checks the file against this shape on both writing and reading.
`;
}
