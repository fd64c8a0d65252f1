// The size budgets of the drop-in: `npm run build` ends with this check, so a drop-in over budget
// fails the build (and `npm test`). Prints every file with its gzip size, then the two figures
// (scripts/drop-in-sizes.mjs): the critical path, what loads before the pre-join view shows, and
// the whole session, everything a session that opens chat, settings and both languages loads.
//   node scripts/check-bundle-size.mjs [--dir dist] [--critical-budget 24576] [--session-budget 49152]
import { parseArgs } from 'node:util';
import { dropInSizes } from './drop-in-sizes.mjs';

/**
 * 24 KiB of gzip for what shows the pre-join view and makes a call: lit + socket.io-client alone
 * are 13.2 kB (bundled like the drop-in), PeerJS without any UI 22.7 kB. Until issue 15 the whole
 * drop-in was one file, 31,029 bytes, under a single budget of 31 KiB.
 */
const CRITICAL_BUDGET = 24 * 1024;
/** 48 KiB of gzip for everything a session can load: call, chat, settings, diagnostics, both languages. */
const SESSION_BUDGET = 48 * 1024;

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: 'dist' },
    'critical-budget': { type: 'string', default: String(CRITICAL_BUDGET) },
    'session-budget': { type: 'string', default: String(SESSION_BUDGET) },
  },
});
const sizes = dropInSizes(values.dir);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

for (const { file, min, gzip, critical } of sizes.files) {
  const where = critical ? 'critical path' : 'loaded when used';
  console.log(
    `  ${file.padEnd(40)} ${String(min).padStart(6)} B minified ${String(gzip).padStart(6)} B gzip  ${where}`,
  );
}
const chinese = sizes.files.find(({ file }) => /^chunks\/zh-CN-/.test(file));
if (chinese) console.log(`  (a Chinese page adds ${chinese.file} to its critical path: ${chinese.gzip} bytes)`);

let over = false;
for (const [name, { files, min, gzip }, budget] of [
  ['critical path', sizes.critical, Number(values['critical-budget'])],
  ['whole session', sizes.session, Number(values['session-budget'])],
]) {
  console.log(
    `${name}: ${kb(min)} minified, ${kb(gzip)} gzip in ${files.length} files (${gzip} bytes; budget ${budget} bytes, ${budget - gzip} left)`,
  );
  if (gzip > budget) {
    console.error(
      `The drop-in's ${name} is ${gzip - budget} bytes of gzip over its budget of ${budget} bytes. ` +
        'Make room (README.md, "Size") before adding more to it.',
    );
    over = true;
  }
}
if (over) process.exit(1);
