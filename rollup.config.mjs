import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { minifyTemplateLiterals } from 'rollup-plugin-minify-template-literals';

/**
 * The drop-in bundle speaks socket.io over WebSocket only, and only text: every message of protocol
 * v1 is JSON, and the server refuses binary attachments. So the parts of socket.io-client that
 * serve other transports or binary payloads are replaced by the little that is left of them, which
 * keeps about 2 KB of gzip out of every page. The server still accepts polling and binary frames
 * from clients that bring their own socket.io-client (the npm package leaves it to the user's
 * bundler, untouched). Each replacement names the module, relative to node_modules, and why.
 */
const SLIM_SOCKET_IO = {
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
 * which the signaling client never uses.
 */
const CUT_SOCKET_IO = {
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
    // `closeOnBeforeunload` is never set; the payload size check is for long-polling only.
    [/\n {12}if \(this\.opts\.closeOnBeforeunload\) \{[\s\S]*?\n {12}\}\n/, '\n'],
    [
      /\n {4}_getWritablePackets\(\) \{\n[\s\S]*?\n {4}\}\n/,
      '\n    _getWritablePackets() {\n        return this.writeBuffer;\n    }\n',
    ],
    [
      /\n {4}_filterUpgrades\(upgrades\) \{\n[\s\S]*?\n {4}\}\n/,
      '\n    _filterUpgrades() {\n        return [];\n    }\n',
    ],
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

const terserOptions = {
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
  // socket.io-client and its parsers); lit's cross-module ones start `_$` and stay. No public name of
  // ours (or of the DOM) starts with an underscore or is in the list.
  mangle: {
    properties: {
      regex:
        /^(_[A-Za-z].*|emitReserved|setTimeoutFn|clearTimeoutFn|reconstructor|skipReconnect|receiveBuffer|sendBuffer|priorWebsocketSuccess|transportImplementations|BINARY_EVENT|BINARY_ACK|CONNECT_ERROR|supportsBinary|encodeAsString|encodeAsBinary|tryParse|isPayloadValid|decodeString)$/,
    },
  },
  format: { comments: false },
};

// Bundles the compiled ES modules in lib/ (tsc's output) into the drop-in scripts: an ES module and,
// for site builders that strip `type="module"`, the same as a classic script.
export default {
  input: 'lib/bundle.js',
  onwarn(warning, warn) {
    // The classic script defines the tags and adds no global: its exports are left out on purpose.
    if (warning.code !== 'MISSING_NAME_OPTION_FOR_IIFE_EXPORT') warn(warning);
  },
  // Only the long-polling and WebTransport modules have top-level side effects we can do without
  // (unload listeners); everything else keeps rollup's default.
  treeshake: {
    moduleSideEffects: (id) => !/engine\.io-client\/build\/esm\/transports\/(polling|webtransport)/.test(id),
  },
  output: [
    {
      file: 'dist/rtc-call.js',
      format: 'es',
      sourcemap: true,
      inlineDynamicImports: true,
      plugins: [terser({ ...terserOptions, module: true })],
    },
    {
      file: 'dist/rtc-call.iife.js',
      format: 'iife',
      sourcemap: true,
      inlineDynamicImports: true,
      plugins: [terser({ ...terserOptions, module: false })],
    },
  ],
  plugins: [
    slimSocketIo(),
    // lit's html`` and css`` templates keep their indentation unless minified.
    minifyTemplateLiterals({ include: ['lib/**/*.js'] }),
    nodeResolve({ browser: true, exportConditions: ['browser', 'production'] }),
  ],
};
