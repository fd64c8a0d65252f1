import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS } from '../test/browser/chromium.js';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
const p = await b.newPage({ viewport: { width: 780, height: 300 } });
for (const n of ['setup', 'data']) {
  await p.setContent(`<body style="margin:0">${readFileSync(`docs/images/benchmarks-${n}.svg`, 'utf8')}</body>`);
  await p.screenshot({ path: `/tmp/${n}.png`, fullPage: true });
}
await b.close();
