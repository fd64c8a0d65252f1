import type { Socket } from 'socket.io';

/** The engine.io connection under a socket.io socket. */
type EngineSocket = Socket['conn'];

/** An engine.io packet as its `packetCreate` and `flush` events hand it over. */
interface Packet {
  data?: unknown;
}

function size(packet: Packet): number {
  const { data } = packet;
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 1; // ping, pong, close: a type byte
}

/**
 * Watches what the server holds for one connection and has not yet handed to the kernel: packets
 * waiting in engine.io's write buffer, plus the last batch given to the transport until the
 * transport says it is written out. A client that stops reading (its TCP window full) leaves
 * both to grow with whatever its partner sends; once they pass `maxBytes`, `overflow` is called
 * once, with the amount, before the packet that passed the bound is queued.
 */
export function watchSendBuffer(conn: EngineSocket, maxBytes: number, overflow: (bufferedBytes: number) => void): void {
  let queued = 0;
  let inFlight = 0;
  let overflowed = false;
  conn.on('packetCreate', (packet: Packet) => {
    queued += size(packet);
    // The transport turns writable again only once its last batch has left the process.
    const buffered = queued + (conn.transport.writable ? 0 : inFlight);
    if (buffered > maxBytes && !overflowed) {
      overflowed = true;
      overflow(buffered);
    }
  });
  // `flush` hands the whole write buffer to the transport (every packet in it came through
  // `packetCreate`), and a transport takes a batch only while it is writable.
  conn.on('flush', () => {
    inFlight = queued;
    queued = 0;
  });
}

/**
 * Closes `conn` at once, dropping what it holds: engine.io's write buffer (a plain close would
 * wait for it to drain, which never comes) and the TCP connection of a WebSocket transport (whose
 * closing handshake would keep its buffer for 30 s more, waiting for a client that does not read).
 */
export function cutConnection(conn: EngineSocket): void {
  // The `ws` socket of a WebSocket transport; socket.io's own uWebSockets glue reads it the same way.
  // (engine.io has its own copy of `ws`, hence no instanceof.)
  const ws = (conn.transport as unknown as { socket?: { terminate?: unknown } }).socket;
  conn.close(true);
  if (typeof ws?.terminate === 'function') ws.terminate();
}
