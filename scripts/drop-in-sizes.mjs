// The sizes of the built drop-in, file by file, and the two figures its budgets are about; used by
// scripts/check-bundle-size.mjs (the build's check) and bench/bundle-size.ts (`npm run bench`).
import { readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The module entry, relative to the output directory; its chunks are in `chunks/`. */
export const ENTRY = 'rtc-call.js';

/**
 * The files `file` imports statically (rollup's output: `import{…}from"./x.js"` or `import"./x.js"`;
 * a dynamic `import("./x.js")` is not one), relative to the output directory.
 */
export function staticImports(dir, file) {
  const code = readFileSync(join(dir, file), 'utf8');
  const found = code.matchAll(/\bimport\s*(?:[\w$*{}\s,]+?from\s*)?["'](\.{1,2}\/[^"']+)["']/g);
  return [...found].map((match) => posix.join(posix.dirname(file), match[1]));
}

/**
 * Every file of the drop-in with its minified and gzip (level 9) bytes, and two totals:
 * `critical`, the entry and every chunk it imports statically, which the browser loads before the
 * pre-join view shows (on an English page); `session`, the entry and every chunk (call, chat,
 * settings, both languages), what a session that uses everything loads.
 */
export function dropInSizes(dir = 'dist') {
  const critical = new Set();
  const visit = (file) => {
    if (critical.has(file)) return;
    critical.add(file);
    for (const imported of staticImports(dir, file)) visit(imported);
  };
  visit(ENTRY);
  const chunks = readdirSync(join(dir, 'chunks'))
    .filter((name) => name.endsWith('.js'))
    .sort()
    .map((name) => `chunks/${name}`);
  const files = [ENTRY, ...chunks].map((file) => {
    const code = readFileSync(join(dir, file));
    return { file, min: code.length, gzip: gzipSync(code, { level: 9 }).length, critical: critical.has(file) };
  });
  const total = (list) => ({
    files: list.map((f) => f.file),
    min: list.reduce((sum, f) => sum + f.min, 0),
    gzip: list.reduce((sum, f) => sum + f.gzip, 0),
  });
  return { files, critical: total(files.filter((f) => f.critical)), session: total(files) };
}
