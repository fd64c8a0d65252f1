// The sizes of the built drop-in, file by file, and the two figures its budgets are about; used by
// scripts/check-bundle-size.mjs (the build's check) and bench/bundle-size.ts (`npm run bench`).
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The module entry, relative to the output directory; its chunks are in `chunks/`. */
export const ENTRY = 'rtc-call.js';

/**
 * The files `file` imports, relative to the output directory: `static` as rollup writes them
 * (`import{…}from"./x.js"` or `import"./x.js"`), `dynamic` the `import("./x.js")`s.
 */
export function importsOf(dir, file) {
  const code = readFileSync(join(dir, file), 'utf8');
  const paths = (pattern) => [...code.matchAll(pattern)].map((match) => posix.join(posix.dirname(file), match[1]));
  return {
    static: paths(/\bimport\s*(?:[\w$*{}\s,]+?from\s*)?["'](\.{1,2}\/[^"']+)["']/g),
    dynamic: paths(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g),
  };
}

/**
 * Every file of the drop-in with its minified and gzip (level 9) bytes, and two totals:
 * `critical`, the entry and every chunk it imports statically, which the browser loads before the
 * pre-join view shows (on an English page); `session`, the entry and every chunk it can import
 * (call, chat, settings, both languages), what a session that uses everything loads.
 */
export function dropInSizes(dir = 'dist') {
  // Walks the imports from the entry: static ones first (the critical path), then dynamic ones.
  const reach = (file, seen, withDynamic) => {
    if (seen.has(file)) return seen;
    seen.add(file);
    const imports = importsOf(dir, file);
    for (const imported of [...imports.static, ...(withDynamic ? imports.dynamic : [])]) {
      reach(imported, seen, withDynamic);
    }
    return seen;
  };
  const critical = reach(ENTRY, new Set(), false);
  const chunks = [...reach(ENTRY, new Set(), true)].filter((file) => file !== ENTRY).sort();
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
