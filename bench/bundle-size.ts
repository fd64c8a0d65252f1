// Bytes a page downloads for a call: the drop-in's critical path (what shows the pre-join view) and
// its whole session (every chunk: chat, settings, both languages), next to what any lit +
// socket.io-client widget carries at least (bundled with the same rollup setup), and PeerJS's own
// minified build.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';

/** The size of one script, or of the scripts of one phase, in bytes. */
export interface BundleSize {
  name: string;
  /** Where the bytes come from. */
  source: string;
  min: number;
  gzip: number;
}

/** What scripts/drop-in-sizes.mjs gives (a JavaScript module, shared with the build's check). */
interface DropInSizes {
  critical: { files: string[]; min: number; gzip: number };
  session: { files: string[]; min: number; gzip: number };
}

const ROOT = new URL('../', import.meta.url);

function sizes(name: string, source: string, code: string | Buffer): BundleSize {
  const bytes = Buffer.from(code);
  return { name, source, min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Bundles `bench/baseline-entry.js` exactly as rollup.config.mjs bundles the drop-in's module build. */
async function baseline(): Promise<string> {
  // JavaScript configs: imported by URL so TypeScript does not ask for their types.
  const configUrl = new URL('rollup.config.mjs', ROOT).href;
  const { default: configs } = (await import(configUrl)) as { default: RollupOptions[] };
  const config = configs.find((options) => ([] as OutputOptions[]).concat(options.output ?? [])[0]?.format === 'es');
  if (!config) throw new Error('rollup.config.mjs has no ES module build to bundle the baseline with');
  // The ES module output, with its own plugins (terser): the same minification as the drop-in.
  const esOutput = ([] as OutputOptions[]).concat(config.output ?? [])[0]!;
  const build = await rollup({ ...config, input: new URL('bench/baseline-entry.js', ROOT).pathname });
  try {
    const { output } = await build.generate({ ...esOutput, manualChunks: undefined, sourcemap: false });
    return output[0].code;
  } finally {
    await build.close();
  }
}

/** Measures the drop-in's two figures and the two references; the drop-in (dist/) must have been built. */
export async function measureBundles(): Promise<BundleSize[]> {
  const { dropInSizes } = (await import(new URL('scripts/drop-in-sizes.mjs', ROOT).href)) as {
    dropInSizes: (dir: string) => DropInSizes;
  };
  const { critical, session } = dropInSizes(new URL('dist', ROOT).pathname);
  const peerjs = await readFile(new URL('node_modules/peerjs/dist/peerjs.min.js', ROOT));
  return [
    {
      name: 'rtc-call, critical path',
      source: `npm run build: ${critical.files.join(' + ')}`,
      min: critical.min,
      gzip: critical.gzip,
    },
    {
      name: 'rtc-call, whole session',
      source: `npm run build: the entry and all ${session.files.length - 1} chunks`,
      min: session.min,
      gzip: session.gzip,
    },
    sizes('lit + socket.io-client alone', 'bench/baseline-entry.js, same rollup setup', await baseline()),
    sizes('PeerJS (peerjs.min.js)', 'node_modules/peerjs/dist', peerjs),
  ];
}
