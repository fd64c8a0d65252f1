import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { io as connectClient, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { buildApp, type AppOptions } from '../../server/app.js';

/** A real server on a free port of 127.0.0.1, closed when the test ends; returns its URL and app. */
export async function startApp(
  t: TestContext,
  options: AppOptions = {},
): Promise<{ url: string; app: FastifyInstance }> {
  const app = await buildApp({ logLevel: false, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const scheme = options.tls ? 'https' : 'http';
  return { url: `${scheme}://127.0.0.1:${address.port}`, app };
}

/** A real server on a free port of 127.0.0.1, closed when the test ends. */
export async function startServer(t: TestContext, options: AppOptions = {}): Promise<string> {
  return (await startApp(t, options)).url;
}

/** A socket.io client connected over WebSocket, closed when the test ends. */
export async function connect(
  t: TestContext,
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Socket> {
  const socket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  t.after(() => socket.close());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Emits one event and resolves with its acknowledgement. */
export function request(socket: Socket, event: string, ...payload: unknown[]): Promise<Record<string, any>> {
  return socket.timeout(5000).emitWithAck(event, ...payload);
}

/** Resolves with the next `event` the socket receives. */
export function next(socket: Socket, event: string, timeoutMs = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (value: unknown) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Collects every `event` the socket receives from now on. */
export function record(socket: Socket, event: string): unknown[] {
  const seen: unknown[] = [];
  socket.on(event, (value: unknown) => seen.push(value));
  return seen;
}

/** A minimal valid SDP offer body for relay tests (the server checks shape, not semantics). */
export const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };

/** A well-formed trickled candidate. */
export const CANDIDATE = {
  candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'abcd',
};

/**
 * A hand-rolled socket.io client over a bare WebSocket, for payloads that socket.io-client cannot
 * encode (nesting deeper than JSON.stringify's stack) or that no well-behaved client would send.
 */
export class RawClient {
  readonly ws: WebSocket;
  /** Answer the server's heartbeat pings; false plays a socket whose peer died silently. */
  answerPings = true;
  readonly #pending = new Map<number, (answer: unknown) => void>();
  #nextAck = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const text = String(data);
      if (text === '2' && this.answerPings) ws.send('3'); // engine.io ping → pong
      const ack = /^43(\d+)(.*)$/s.exec(text);
      if (ack) {
        const [answer] = JSON.parse(ack[2]!) as unknown[];
        this.#pending.get(Number(ack[1]))?.(answer);
        this.#pending.delete(Number(ack[1]));
      }
    });
  }

  /** Opens the WebSocket and completes the engine.io and socket.io handshakes. */
  static async open(t: TestContext, url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers });
    t.after(() => ws.terminate());
    const first = new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
    await first;
    const connected = new Promise((resolve) => ws.once('message', resolve));
    ws.send('40');
    await connected;
    return new RawClient(ws);
  }

  /** Sends `["event", <payloadText>]` verbatim with an ack id; resolves with the answer. */
  emit(event: string, payloadText: string, timeoutMs = 5000): Promise<any> {
    const id = this.#nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${event}`)), timeoutMs);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.ws.send(`42${id}[${JSON.stringify(event)},${payloadText}]`);
    });
  }

  /** Like {@link emit}, as a binary event whose `{"_placeholder":true,"num":N}` stand for `attachments`. */
  emitBinary(event: string, payloadText: string, attachments: Buffer[], timeoutMs = 5000): Promise<any> {
    const id = this.#nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${event}`)), timeoutMs);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.ws.send(`45${attachments.length}-${id}[${JSON.stringify(event)},${payloadText}]`);
      for (const attachment of attachments) this.ws.send(attachment);
    });
  }
}

/** Opens a bare engine.io WebSocket and resolves with its open packet (sid, heartbeat settings). */
export async function openEngine(
  t: TestContext,
  url: string,
): Promise<{ ws: WebSocket; handshake: { sid: string; pingInterval: number; pingTimeout: number } }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  t.after(() => ws.terminate());
  const first = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data) => resolve(String(data)));
    ws.once('error', reject);
  });
  if (!first.startsWith('0')) throw new Error(`expected an engine.io open packet, got ${first.slice(0, 40)}`);
  return { ws, handshake: JSON.parse(first.slice(1)) };
}

/** Reads one metric series from `GET /metrics` (e.g. `rtc_call_errors_total{code="rate-limited"}`). */
export async function metric(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}
