import { dirname, join } from 'node:path';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { minifyTemplateLiterals } from 'rollup-plugin-minify-template-literals';

/**
 * The drop-in bundle speaks WebSocket only: engine.io-client's transport map (long-polling,
 * WebTransport, WebSocket) is replaced by one that holds WebSocket alone, which keeps ~2.5 KB of
 * gzip out of every page. The server still accepts polling for clients that bring their own.
 */
function websocketOnly() {
  const virtual = '\0rtc-call:websocket-transports';
  let websocketModule = null;
  return {
    name: 'rtc-call-websocket-only',
    resolveId(source, importer) {
      if (source !== './transports/index.js' || !importer?.includes('engine.io-client')) return null;
      websocketModule = join(dirname(importer), 'transports', 'websocket.js');
      return virtual;
    },
    load(id) {
      if (id !== virtual) return null;
      return `import { WS } from ${JSON.stringify(websocketModule)};\nexport const transports = { websocket: WS };`;
    },
  };
}

// Bundles the compiled ES modules in lib/ (tsc's output) into the drop-in script.
export default {
  input: 'lib/bundle.js',
  output: {
    file: 'dist/rtc-call.js',
    format: 'es',
    sourcemap: true,
  },
  plugins: [
    websocketOnly(),
    // lit's html`` and css`` templates keep their indentation unless minified.
    minifyTemplateLiterals({ include: ['lib/**/*.js'] }),
    nodeResolve({ browser: true, exportConditions: ['browser', 'production'] }),
    terser({
      ecma: 2020,
      module: true,
      compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true, pure_getters: true },
      format: { comments: false },
    }),
  ],
};
