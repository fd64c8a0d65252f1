// A load client for bench/server-load.ts: opens two socket.io-client sockets per room (the first to
// one node, the second to another, or both to the same one), joins them, and relays SDP-sized
// descriptions between them at a set rate. Driven by its parent over IPC, one phase at a time.
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';

interface Setup {
  /** URL of the first and of the second peer of every room. */
  urls: [string, string];
  /** Rooms `prefix-from` … `prefix-(to - 1)`. */
  prefix: string;
  from: number;
  to: number;
  /** Descriptions a second from this process, and how long to send them. */
  rate: number;
  durationMs: number;
  sdpBytes: number;
}

type Command = { type: 'connect' | 'join' | 'relay' | 'close' };

const setup = JSON.parse(process.argv[2]!) as Setup;
// Connections (and joins) in flight per client process: a burst far above the server's accept
// backlog only measures SYN retransmission timers.
const CONCURRENCY = 50;
const rooms: Array<[Socket, Socket]> = [];
const latencies: number[] = [];

/** Runs `task` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

let connectRetries = 0;

async function open(url: string): Promise<Socket> {
  for (let attempt = 1; ; attempt++) {
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 30_000 });
    try {
      return await new Promise<Socket>((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    } catch (error) {
      socket.close();
      if (attempt >= 3) throw error;
      connectRetries += 1;
    }
  }
}

/** An SDP-sized offer whose one attribute carries the time it was sent. */
function description(sentAt: number): { type: 'offer'; sdp: string } {
  const head = `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=x-sent:${sentAt}\r\n`;
  return { type: 'offer', sdp: head + 'a=x-pad:'.padEnd(setup.sdpBytes - head.length - 2, 'x') + '\r\n' };
}

function onSignal(event: { description?: { sdp: string } }): void {
  const sent = /a=x-sent:([\d.]+)/.exec(event.description?.sdp ?? '');
  if (sent) latencies.push(performance.now() - Number(sent[1]));
}

const phases = {
  async connect(): Promise<object> {
    const indexes = Array.from({ length: setup.to - setup.from }, (_, i) => i);
    await pool(indexes, CONCURRENCY / 2, async (i) => {
      const pair = (await Promise.all([open(setup.urls[0]), open(setup.urls[1])])) as [Socket, Socket];
      for (const socket of pair) socket.on('signal', onSignal);
      rooms[i] = pair;
    });
    return { sockets: rooms.length * 2, retries: connectRetries };
  },
  async join(): Promise<object> {
    const refused: Record<string, number> = {};
    let ok = 0;
    const sockets = rooms.flatMap((pair, i) =>
      pair.map((socket) => ({ socket, room: `${setup.prefix}-${setup.from + i}` })),
    );
    const count = (reason: string): void => void (refused[reason] = (refused[reason] ?? 0) + 1);
    await pool(sockets, CONCURRENCY, async ({ socket, room }) => {
      // A socket the server dropped meanwhile (a missed heartbeat on an overloaded machine) is
      // counted, not waited for.
      if (!socket.connected) return count('disconnected');
      try {
        const answer = (await socket.timeout(60_000).emitWithAck('join', { v: 1, room })) as {
          ok: boolean;
          error?: { code: string };
        };
        if (answer.ok) ok += 1;
        else count(answer.error!.code);
      } catch {
        count('no answer');
      }
    });
    return { ok, refused };
  },
  async relay(): Promise<object> {
    latencies.length = 0;
    let sent = 0;
    let failed = 0;
    const started = performance.now();
    const tickMs = 10;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        if (elapsed >= setup.durationMs) {
          clearInterval(timer);
          resolve();
          return;
        }
        // Catch up to the rate: sends due by now, round robin over the rooms, alternating senders.
        const due = Math.floor((elapsed / 1000) * setup.rate);
        for (; sent < due; sent += 1) {
          const pair = rooms[sent % rooms.length]!;
          const from = pair[Math.floor(sent / rooms.length) % 2]!;
          from.emit('signal', { description: description(performance.now()) }, (answer: { ok: boolean }) => {
            if (!answer.ok) failed += 1;
          });
        }
      }, tickMs);
    });
    // Let the last relays land.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { sent, failed, latencies };
  },
  async close(): Promise<object> {
    for (const pair of rooms) for (const socket of pair) socket.close();
    return {};
  },
};

const reply = (message: object): void => {
  if (process.connected) process.send!(message);
};
process.on('message', (command: Command) => {
  phases[command.type]().then(
    (result) => reply({ type: command.type, ...result }),
    (error: unknown) => reply({ type: 'error', message: String(error) }),
  );
});
// The parent went away (it failed, or was stopped): nothing left to measure.
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready' });
