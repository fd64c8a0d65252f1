// The file `npm run bench:server` writes and `npm run bench` reads (bench/server-results.ts): both
// sides check it against one contract, so a change to either cannot silently drop figures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverResultsProblem, type ServerResults } from '../../bench/server-results.js';

const good: ServerResults = {
  command: 'npm run bench:server',
  measuredAt: '2026-11-21T12:00:00.000Z',
  machine: '2 cores',
  workload: '10000 sockets',
  setups: ['1 node, memory', '2 nodes, Redis'],
  figures: [
    { name: 'server RSS per socket', values: [15.4, 18.3], unit: 'KiB', note: 'after a GC' },
    { name: 'Redis memory', values: ['–', 5.3], unit: 'MiB' },
  ],
};

test('server results that follow the contract are accepted', () => {
  assert.equal(serverResultsProblem(good), null);
  assert.equal(serverResultsProblem(JSON.parse(JSON.stringify(good))), null);
});

test('server results that break the contract are refused with the reason', () => {
  const broken: Array<[unknown, RegExp]> = [
    [null, /not an object/],
    [{ ...good, command: 1 }, /command/],
    [{ ...good, machine: 2 }, /machine/],
    [{ ...good, setups: [] }, /setups/],
    [{ ...good, figures: {} }, /figures/],
    [{ ...good, figures: [{ values: [1, 2] }] }, /figure 0.*name/],
    [
      { ...good, figures: [{ name: 'joins', values: [1] }] },
      /figure 0 \(joins\).*one finite number or string per setup/,
    ],
    [{ ...good, figures: [{ name: 'joins', values: [1, Number.NaN] }] }, /joins/],
    [{ ...good, figures: [{ name: 'joins', values: [1, { n: 2 }] }] }, /joins/],
    [{ ...good, figures: [{ name: 'joins', values: [1, 2], unit: 3 }] }, /unit/],
  ];
  for (const [value, reason] of broken)
    assert.match(String(serverResultsProblem(value)), reason, JSON.stringify(value));
});
