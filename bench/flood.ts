// Round-trip latency of a well-behaved client while other sockets flood the server, against the
// same client on a quiet server: `npm run bench:flood`. Everything runs on 127.0.0.1, bounded in
// count, and stops by itself. Numbers depend on the machine: compare the two lines, not runs.
// The flooders run in this same process (as do the server and the calm clients), so the second line
// includes their own CPU cost of encoding the flood: an upper bound on the slowdown.
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { buildApp } from '../server/app.js';

// Well-behaved clients stay under the rate limit (10 events a second): many of them, each pausing.
const CALM_CLIENTS = 10;
const ROUND_TRIPS_EACH = 40;
const PAUSE_MS = 100;
const FLOODERS = 4;
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

function open(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** A socket that joins and sends as fast as it can; when cut off, another takes its place. */
async function flood(url: string, room: string, stop: { done: boolean }, stats: { cutOff: number }): Promise<void> {
  while (!stop.done) {
    const socket = await open(url);
    await socket.emitWithAck('join', { v: 1, room });
    await new Promise<void>((resolve) => {
      socket.once('disconnect', () => {
        stats.cutOff += 1;
        resolve();
      });
      const burst = (): void => {
        if (stop.done || !socket.connected) return resolve();
        for (let i = 0; i < 200; i += 1) socket.emit('signal', { candidate: CANDIDATE }, () => undefined);
        setImmediate(burst);
      };
      burst();
    });
    socket.close();
  }
}

async function measure(flooders: number): Promise<string> {
  const app = await buildApp({ logLevel: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  const calm = await Promise.all(Array.from({ length: CALM_CLIENTS }, () => open(url)));
  await Promise.all(calm.map((socket, i) => socket.emitWithAck('join', { v: 1, room: `calm-${i >> 1}` })));
  const stop = { done: false };
  const stats = { cutOff: 0 };
  const floods = Array.from({ length: flooders }, (_, i) => flood(url, `flood-${i}`, stop, stats));
  const times: number[] = [];
  await Promise.all(
    calm.map(async (socket) => {
      for (let i = 0; i < ROUND_TRIPS_EACH; i += 1) {
        const start = performance.now();
        const answer = await socket.timeout(10_000).emitWithAck('signal', { candidate: null });
        if (!answer.ok) throw new Error(`a calm client was refused: ${JSON.stringify(answer)}`);
        times.push(performance.now() - start);
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      }
    }),
  );
  stop.done = true;
  await Promise.all(floods);
  for (const socket of calm) socket.close();
  await app.close();
  times.sort((a, b) => a - b);
  const at = (q: number): string => times[Math.floor(q * (times.length - 1))]!.toFixed(2);
  return `${flooders} flooding sockets: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms over ${times.length} round trips; flooders cut off: ${stats.cutOff}`;
}

console.log(await measure(0));
console.log(await measure(FLOODERS));
