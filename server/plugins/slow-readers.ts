import type { FastifyInstance } from 'fastify';
import type { Limits } from '../config.js';
import type { RequestSource } from '../lib/client-address.js';
import { cutConnection, watchSendBuffer } from '../lib/send-buffer.js';
import { signalingServer, type SignalingSocket } from '../lib/signaling-socket.js';

/** Options of {@link slowReadersPlugin}. */
export interface SlowReadersOptions {
  limits: Pick<Limits, 'maxSocketBufferBytes'>;
  /** The client's address for the log (through trusted proxies); the socket's own when absent. */
  clientAddress?: (source: RequestSource) => string;
}

/**
 * Drops a socket that leaves what it is sent unread past `limits.maxSocketBufferBytes` (it may
 * still answer heartbeats): its partner could otherwise grow this process without bound.
 */
export async function slowReadersPlugin(app: FastifyInstance, options: SlowReadersOptions): Promise<void> {
  const maxBytes = options.limits?.maxSocketBufferBytes;
  if (!(maxBytes > 0)) throw new TypeError('slowReadersPlugin: limits.maxSocketBufferBytes must be a positive number.');
  const { metrics } = app;
  const io = signalingServer(app);

  function cutSlowReader(socket: SignalingSocket, bufferedBytes: number): void {
    // Called from inside an emit that may be iterating a room: cut once it has returned.
    setImmediate(() => {
      if (socket.conn.readyState === 'closed') return;
      metrics.slowReaderDisconnects.inc();
      app.log.warn(
        {
          reason: 'send buffer full',
          socket: socket.id,
          address: options.clientAddress ? options.clientAddress(socket.handshake) : socket.handshake.address,
          bufferedBytes,
          maxBytes,
        },
        'disconnected a socket that does not read what it is sent',
      );
      cutConnection(socket.conn);
    });
  }

  io.on('connection', (socket) => {
    watchSendBuffer(socket.conn, maxBytes, (bufferedBytes) => cutSlowReader(socket, bufferedBytes));
  });
}
