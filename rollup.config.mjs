import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { minifyTemplateLiterals } from 'rollup-plugin-minify-template-literals';

/**
 * The drop-in bundle speaks socket.io over WebSocket only, and only text: every message of protocol
 * v1 is JSON, and the server refuses binary attachments. So the parts of socket.io-client that
 * serve other transports or binary payloads are replaced by the little that is left of them, which
 * keeps about 3 KB of gzip out of every page (160 to 1,900 bytes each: scripts/measure-trims.mjs).
 * The server still accepts polling and binary frames from clients that bring their own
 * socket.io-client (the npm package leaves it to the user's bundler, untouched). Each replacement
 * names the module, relative to node_modules, and why.
 */
export const SLIM_SOCKET_IO = {
  // The transport map: WebSocket alone (no long-polling, no WebTransport).
  'engine.io-client/build/esm/transports/index.js': `
    import { WS } from './websocket.js';
    export const transports = { websocket: WS };`,
  // Text packets only: binary payloads take Blob, FileReader and base64 code paths.
  'engine.io-parser/build/esm/encodePacket.browser.js': `
    import { PACKET_TYPES } from './commons.js';
    export const encodePacket = ({ type, data }, _supportsBinary, callback) => callback(PACKET_TYPES[type] + (data || ''));
    export const encodePacketToBinary = () => {};`,
  // A binary frame (never sent by our server) becomes an error packet: socket.io reconnects.
  'engine.io-parser/build/esm/decodePacket.browser.js': `
    import { ERROR_PACKET, PACKET_TYPES_REVERSE } from './commons.js';
    export const decodePacket = (packet) => {
      const type = typeof packet === 'string' && PACKET_TYPES_REVERSE[packet[0]];
      return !type ? ERROR_PACKET : packet.length > 1 ? { type, data: packet.substring(1) } : { type };
    };`,
  // No payload of ours holds binary, so nothing is ever split into attachments.
  'socket.io-parser/build/esm/is-binary.js': `
    export const isBinary = () => false;
    export const hasBinary = () => false;`,
  'socket.io-parser/build/esm/binary.js': `
    export const deconstructPacket = () => {};
    export const reconstructPacket = () => {};`,
  // The browser's URL parser instead of a 1 KB regular expression: every browser with WebRTC has it.
  'engine.io-client/build/esm/contrib/parseuri.js': `
    export function parse(source) {
      const url = new URL(source);
      return {
        source,
        protocol: url.protocol.slice(0, -1),
        host: url.hostname.replace(/^\\[|\\]$/g, ''),
        port: url.port,
        path: url.pathname,
        query: url.search.slice(1),
        queryKey: Object.fromEntries(url.searchParams),
      };
    }`,
};

/**
 * Code cut out of modules that stay, each [pattern, replacement]: the transport upgrade probe
 * (~350 bytes of gzip), which only runs to move a long-polling connection to WebSocket (the
 * signaling client also passes `upgrade: false`, so nothing would call it anyway); the retry queue
 * of the `retries` option, and the catch-all listeners (`onAny`, `onAnyOutgoing` and their kin),
 * which the signaling client never uses. Each cut saves at least 50 bytes of gzip
 * (`node scripts/measure-trims.mjs` measures them); smaller ones were dropped in issue 15 (the
 * `closeOnBeforeunload` listener, 20 bytes, and `_filterUpgrades`, 18), as not worth their upkeep.
 */
export const CUT_SOCKET_IO = {
  'engine.io-client/build/esm/socket.js': [
    [
      /\n {4}_probe\(name\) \{\n[\s\S]*?\n {4}\}\n(?= {4}\/\*\*\n {5}\* Called when connection is deemed open)/,
      '\n    _probe() {}\n',
    ],
    // The signaling client always names its transports (WebSocket), never implementations.
    [
      /\n {8}if \(opts\.transportImplementations && opts\.transports\) \{[\s\S]*?\n {12}this\._transportsByName = DEFAULT_TRANSPORTS;\n {8}\}\n/,
      '\n        this.transports = [...opts.transports];\n        this._transportsByName = DEFAULT_TRANSPORTS;\n',
    ],
    // The payload size check is for long-polling only.
    [
      /\n {4}_getWritablePackets\(\) \{\n[\s\S]*?\n {4}\}\n/,
      '\n    _getWritablePackets() {\n        return this.writeBuffer;\n    }\n',
    ],
  ],
  // Text frames only (as the replacements above): the encoder never splits a packet into
  // attachments (encodeAsBinary) and the decoder takes strings, so the binary reconstruction
  // goes (add, destroy, and with them BinaryReconstructor): about 240 bytes together.
  'socket.io-parser/build/esm/index.js': [
    [
      /\n {4}\/\*\*\n {5}\* Encode packet as 'buffer sequence'[\s\S]*?\n {4}encodeAsBinary\(obj\) \{\n[\s\S]*?\n {4}\}\n/,
      '\n',
    ],
    [
      /\n {4}add\(obj\) \{\n[\s\S]*?\n {4}\}\n(?= {4}\/\*\*\n {5}\* Decode a packet String)/,
      '\n    add(obj) {\n        if (typeof obj !== "string") throw new Error("Unknown type: " + obj);\n        super.emitReserved("decoded", this.decodeString(obj));\n    }\n',
    ],
    [/\n {4}destroy\(\) \{\n[\s\S]*?\n {4}\}\n/, '\n    destroy() {}\n'],
  ],
  'socket.io-client/build/esm/socket.js': [
    [/\n {4}_addToQueue\(args\) \{\n[\s\S]*?\n {4}\}\n/, '\n    _addToQueue() {}\n'],
    [/\n {4}_drainQueue\(force = false\) \{\n[\s\S]*?\n {4}\}\n/, '\n    _drainQueue() {}\n'],
    [
      /\n {4}\/\*\*\n {5}\* Adds a listener that will be fired when any event is emitted\.[\s\S]*?\n {4}notifyOutgoingListeners\(packet\) \{\n[\s\S]*?\n {4}\}\n/,
      '\n    notifyOutgoingListeners() {}\n',
    ],
  ],
};

/**
 * Applies {@link SLIM_SOCKET_IO} and {@link CUT_SOCKET_IO}; fails the build when one of them no
 * longer applies (a socket.io-client update moved things), rather than ship a different bundle.
 */
function slimSocketIo() {
  const done = new Set();
  const pathOf = (id) => id.replaceAll('\\', '/').split('/node_modules/').pop();
  return {
    name: 'rtc-call-slim-socket-io',
    load(id) {
      const path = pathOf(id);
      if (!(path in SLIM_SOCKET_IO)) return null;
      done.add(path);
      return SLIM_SOCKET_IO[path];
    },
    transform(code, id) {
      const path = pathOf(id);
      if (!(path in CUT_SOCKET_IO)) return null;
      let cut = code;
      for (const [pattern, replacement] of CUT_SOCKET_IO[path]) {
        const before = cut;
        cut = cut.replace(pattern, replacement);
        if (cut === before) this.error(`${path} changed: the cut ${pattern} in rollup.config.mjs no longer applies`);
      }
      done.add(path);
      return { code: cut, map: null };
    },
    buildEnd(error) {
      const missing = [...Object.keys(SLIM_SOCKET_IO), ...Object.keys(CUT_SOCKET_IO)].filter((path) => !done.has(path));
      if (!error && missing.length > 0) {
        this.error(`socket.io-client changed: ${missing.join(', ')} no longer bundled; update rollup.config.mjs`);
      }
    },
  };
}

export const terserOptions = {
  ecma: 2020,
  compress: {
    passes: 3,
    unsafe: true,
    unsafe_comps: true,
    unsafe_arrows: true,
    unsafe_methods: true,
    pure_getters: true,
  },
  // socket.io's internals are `_`-prefixed properties, plus the few listed here (used only inside
  // socket.io-client and its parsers): about 100 bytes of gzip together, a few each
  // (scripts/measure-trims.mjs), kept as one trim since a renamed property cannot break the build.
  // lit's cross-module ones start `_$` and stay. No public name of ours (or of the DOM) starts with
  // an underscore or is in the list.
  mangle: {
    properties: {
      regex:
        /^(_[A-Za-z].*|emitReserved|skipReconnect|transportImplementations|supportsBinary|setTimeoutFn|clearTimeoutFn|reconstructor|receiveBuffer|sendBuffer|priorWebsocketSuccess|BINARY_EVENT|BINARY_ACK|CONNECT_ERROR|encodeAsString|encodeAsBinary|tryParse|isPayloadValid|decodeString)$/,
    },
  },
  format: { comments: false },
};

const ENTRY = resolve('lib/bundle.js');

/**
 * Puts everything the entry imports statically (the critical path) in one chunk, `core`, and leaves
 * the entry a facade of a few bytes. The entry is served under two names with the same bytes (the
 * latest `/rtc-call.js` and the pinned `/rtc-call.<hash>.js`), so a chunk that imported the entry
 * would import it by one of them and, on a page that loaded the other, run a second copy of lit
 * and the elements. Chunks import `core` instead, which has one (content-hashed) name.
 */
function coreChunk() {
  let core;
  let graph; // the build the set was computed for (a config may be built more than once)
  return (id, { getModuleInfo }) => {
    if (graph !== getModuleInfo) {
      graph = getModuleInfo;
      core = new Set();
      const visit = (moduleId) => {
        if (core.has(moduleId)) return;
        core.add(moduleId);
        for (const imported of getModuleInfo(moduleId)?.importedIds ?? []) visit(imported);
      };
      visit(ENTRY);
      core.delete(ENTRY);
    }
    return core.has(id) ? 'core' : undefined;
  };
}

/** The build's name for its ES entry under its content hash, as server/plugins/static.ts serves it. */
const pinnedName = (code) => `rtc-call.${createHash('sha256').update(code).digest('hex').slice(0, 10)}.js`;

/** Writes the name of the pinned entry (just built) into the classic loader (lib/bundle.classic.js). */
function pinnedEntry() {
  return {
    name: 'rtc-call-pinned-entry',
    transform(code, id) {
      if (id !== resolve('lib/bundle.classic.js')) return null;
      const marker = "const PINNED_ENTRY = 'rtc-call.js';";
      if (!code.includes(marker)) this.error(`${id} no longer holds ${marker}`);
      const name = pinnedName(readFileSync('dist/rtc-call.js'));
      return { code: code.replace(marker, `const PINNED_ENTRY = '${name}';`), map: null };
    },
  };
}

const plugins = [
  slimSocketIo(),
  // lit's html`` and css`` templates keep their indentation unless minified.
  minifyTemplateLiterals({ include: ['lib/**/*.js'] }),
  nodeResolve({ browser: true, exportConditions: ['browser', 'production'] }),
];

// Bundles the compiled ES modules in lib/ (tsc's output) into the drop-in: an ES module entry
// (dist/rtc-call.js) and its chunks (dist/chunks/, content-hashed names), then the classic loader
// (dist/rtc-call.iife.js) for site builders that strip `type="module"`. Rollup builds the two in
// this order: the loader names the entry's hash.
export default [
  {
    input: 'lib/bundle.js',
    // Only the long-polling and WebTransport modules have top-level side effects we can do without
    // (unload listeners); everything else keeps rollup's default.
    treeshake: {
      moduleSideEffects: (id) => !/engine\.io-client\/build\/esm\/transports\/(polling|webtransport)/.test(id),
    },
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: 'rtc-call.js',
      chunkFileNames: 'chunks/[name]-[hash:10].js',
      hashCharacters: 'hex',
      manualChunks: coreChunk(),
      sourcemap: true,
      plugins: [terser({ ...terserOptions, module: true })],
    },
    plugins,
  },
  {
    input: 'lib/bundle.classic.js',
    output: {
      file: 'dist/rtc-call.iife.js',
      format: 'iife',
      sourcemap: true,
      // `!function(){…}()` rather than an arrow (terser's unsafe_arrows): the shape of the classic script.
      plugins: [
        terser({ ...terserOptions, compress: { ...terserOptions.compress, unsafe_arrows: false }, module: false }),
      ],
    },
    plugins: [pinnedEntry()],
  },
  // The demo page's script with its QR encoder (uqr), served as /demo.js. Not part of the drop-in.
  {
    input: 'demo/demo.js',
    output: { file: 'dist/demo.js', format: 'es', plugins: [terser({ ...terserOptions, module: true })] },
    plugins: [nodeResolve({ browser: true })],
  },
];
