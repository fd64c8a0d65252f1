import { measureCalls } from './call-setup.js';
const t = Date.now();
const r = await measureCalls({ calls: Number(process.env.N ?? 3), warmup: 1, roundTrips: 5, messageBytes: 2048, progress: (round, o) => console.log(round, JSON.stringify(o)) });
console.log(JSON.stringify(r.chromium), (Date.now() - t) / 1000, 's');
for (const [v, x] of Object.entries(r.results)) console.log(v, x.samples.map((s) => s.setup).join(' '), x.failures);
process.exit(0);
