// Bytes a page downloads for a call: the drop-in bundle next to what any lit + socket.io-client
// widget carries at least (bundled with the same rollup setup), and PeerJS's own minified build.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';

/** The size of one script, in bytes. */
export interface BundleSize {
  name: string;
  /** Where the bytes come from. */
  source: string;
  min: number;
  gzip: number;
}

const ROOT = new URL('../', import.meta.url);

function sizes(name: string, source: string, code: string | Buffer): BundleSize {
  const bytes = Buffer.from(code);
  return { name, source, min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Bundles `bench/baseline-entry.js` exactly as rollup.config.mjs bundles the widget. */
async function baseline(): Promise<string> {
  // A JavaScript config: imported by URL so TypeScript does not ask for its types.
  const configUrl = new URL('rollup.config.mjs', ROOT).href;
  const { default: config } = (await import(configUrl)) as { default: RollupOptions };
  // The ES module output, with its own plugins (terser): the same minification as dist/rtc-call.js.
  const outputs = ([] as OutputOptions[]).concat(config.output ?? []);
  const esOutput = outputs.find((output) => output.format === 'es');
  if (!esOutput) throw new Error('rollup.config.mjs has no ES module output to bundle the baseline with');
  const build = await rollup({ ...config, input: new URL('bench/baseline-entry.js', ROOT).pathname });
  try {
    const { output } = await build.generate({ ...esOutput, file: undefined, sourcemap: false });
    return output[0].code;
  } finally {
    await build.close();
  }
}

/** Measures the three scripts; `dist/rtc-call.js` must have been built. */
export async function measureBundles(): Promise<BundleSize[]> {
  const widget = await readFile(new URL('dist/rtc-call.js', ROOT));
  const peerjs = await readFile(new URL('node_modules/peerjs/dist/peerjs.min.js', ROOT));
  return [
    sizes('rtc-call (dist/rtc-call.js)', 'npm run build', widget),
    sizes('lit + socket.io-client alone', 'bench/baseline-entry.js, same rollup setup', await baseline()),
    sizes('PeerJS (peerjs.min.js)', 'node_modules/peerjs/dist', peerjs),
  ];
}
