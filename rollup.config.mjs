import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// Bundles the compiled ES modules in lib/ (tsc's output) into the drop-in script.
export default {
  input: 'lib/bundle.js',
  output: {
    file: 'dist/rtc-call.js',
    format: 'es',
    sourcemap: true,
  },
  plugins: [
    nodeResolve({ browser: true, exportConditions: ['browser', 'production'] }),
    terser({ ecma: 2020, module: true, format: { comments: false } }),
  ],
};
