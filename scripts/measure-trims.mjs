// What each socket.io-client trim of rollup.config.mjs saves: builds the drop-in without it, one at
// a time, and prints the gzip bytes it keeps out of the critical path (where socket.io-client is).
// A trim that saves less than about 50 bytes is not worth its upkeep (a socket.io-client update can
// break it and fail the build). Needs lib/ (npm run build).
//   node scripts/measure-trims.mjs
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';
import { gzipSync } from 'node:zlib';
import configs, { CUT_SOCKET_IO, SLIM_SOCKET_IO, terserOptions } from '../rollup.config.mjs';

const [config] = configs;

/** The gzip bytes of every chunk the ES build writes (sourcemaps aside). */
async function gzipBytes(overrides = {}) {
  const build = await rollup({ ...config, ...overrides.input });
  try {
    const { output } = await build.generate({ ...config.output, sourcemap: false, ...overrides.output });
    return output
      .filter((file) => file.type === 'chunk')
      .reduce((sum, chunk) => sum + gzipSync(chunk.code, { level: 9 }).length, 0);
  } finally {
    await build.close();
  }
}

const all = await gzipBytes();
const rows = [];
const measure = async (name, overrides) => rows.push([name, (await gzipBytes(overrides)) - all]);

for (const path of Object.keys(SLIM_SOCKET_IO)) {
  const replacement = SLIM_SOCKET_IO[path];
  delete SLIM_SOCKET_IO[path];
  await measure(`replace ${path}`);
  SLIM_SOCKET_IO[path] = replacement;
}
for (const [path, cuts] of Object.entries(CUT_SOCKET_IO)) {
  for (const [i, cut] of [...cuts].entries()) {
    cuts.splice(i, 1);
    await measure(`cut ${path} ${String(cut[0]).slice(0, 60)}…`);
    cuts.splice(i, 0, cut);
  }
}
const withMangle = (properties) =>
  terser({ ...terserOptions, mangle: properties ? { properties } : true, module: true });
const names = terserOptions.mangle.properties.regex.source.slice(2, -2).split('|').slice(1);
await measure('mangle: the named properties (the `_` ones kept)', {
  output: { plugins: [withMangle({ regex: /^_[A-Za-z]/ })] },
});
for (const name of names) {
  const regex = new RegExp(`^(_[A-Za-z].*|${names.filter((other) => other !== name).join('|')})$`);
  await measure(`mangle: ${name}`, { output: { plugins: [withMangle({ regex })] } });
}
await measure('mangle: no property mangling at all', { output: { plugins: [withMangle(null)] } });
await measure('treeshake: polling/webtransport side effects kept', { input: { treeshake: true } });

console.log(`drop-in, all chunks: ${all} bytes of gzip; without each trim, bytes more:`);
for (const [name, delta] of rows) console.log(`${String(delta).padStart(6)}  ${name}`);
