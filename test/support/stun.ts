import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

// Just enough STUN/TURN (RFC 8489, RFC 8656) to ask a TURN server for a relay allocation over UDP
// the way a browser does, and to see whether it accepts the credentials.

const MAGIC_COOKIE = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
} as const;

interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: Map<number, Buffer>;
}

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

function message(type: number, transactionId: Buffer, attributes: Buffer[], integrityKey?: Buffer): Buffer {
  let body = Buffer.concat(attributes);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  if (integrityKey) {
    // The HMAC covers the message with its length already counting the 24-byte integrity attribute.
    header.writeUInt16BE(body.length + 24, 2);
    const hmac = createHmac('sha1', integrityKey)
      .update(Buffer.concat([header, body]))
      .digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, hmac)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function parse(data: Buffer): StunMessage | null {
  if (data.length < 20 || data.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const attributes = new Map<number, Buffer>();
  let offset = 20;
  const end = Math.min(data.length, 20 + data.readUInt16BE(2));
  while (offset + 4 <= end) {
    const type = data.readUInt16BE(offset);
    const length = data.readUInt16BE(offset + 2);
    attributes.set(type, data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { type: data.readUInt16BE(0), transactionId: data.subarray(8, 20), attributes };
}

async function transact(
  socket: Socket,
  port: number,
  build: (id: Buffer) => Buffer,
  timeoutMs: number,
): Promise<StunMessage> {
  const id = randomBytes(12);
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, reply?: StunMessage): void => {
      clearTimeout(timer);
      clearInterval(resend);
      socket.off('message', onMessage);
      if (error) reject(error);
      else resolve(reply!);
    };
    const onMessage = (data: Buffer): void => {
      const reply = parse(data);
      if (reply && reply.transactionId.equals(id)) done(null, reply);
    };
    const send = (): void => socket.send(build(id), port, '127.0.0.1');
    socket.on('message', onMessage);
    // UDP: resend until answered, as STUN clients do.
    const resend = setInterval(send, 100);
    const timer = setTimeout(() => done(new Error(`no STUN answer from 127.0.0.1:${port}`)), timeoutMs);
    send();
  });
}

async function withSocket<T>(run: (socket: Socket) => Promise<T>): Promise<T> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    return await run(socket);
  } finally {
    socket.close();
  }
}

/** Sends a STUN Binding request; resolves when the server answers (readiness probe). */
export function stunBinding(port: number, timeoutMs = 1000): Promise<void> {
  return withSocket(async (socket) => {
    const reply = await transact(socket, port, (id) => message(BINDING, id, []), timeoutMs);
    if (reply.type !== (BINDING | SUCCESS)) throw new Error(`unexpected STUN answer 0x${reply.type.toString(16)}`);
  });
}

/** The outcome of a TURN Allocate: the relay port, or the server's error code and reason. */
export type AllocateResult = { ok: true; relayPort: number } | { ok: false; code: number; reason: string };

function errorOf(reply: StunMessage): { code: number; reason: string } {
  const value = reply.attributes.get(ATTR.errorCode);
  if (!value || value.length < 4) return { code: 0, reason: 'no ERROR-CODE' };
  return { code: (value[2]! & 0x7) * 100 + value[3]!, reason: value.subarray(4).toString('utf8') };
}

/**
 * Asks the TURN server on 127.0.0.1:`port` for a UDP relay with long-term credentials, the way a
 * browser does: an unauthenticated request for the realm and nonce, then a signed one.
 */
export function turnAllocate(
  port: number,
  username: string,
  password: string,
  timeoutMs = 3000,
): Promise<AllocateResult> {
  return withSocket(async (socket) => {
    const transport = attribute(ATTR.requestedTransport, Buffer.from([17, 0, 0, 0]));
    const challenge = await transact(socket, port, (id) => message(ALLOCATE, id, [transport]), timeoutMs);
    const realm = challenge.attributes.get(ATTR.realm);
    const nonce = challenge.attributes.get(ATTR.nonce);
    if (challenge.type !== (ALLOCATE | ERROR) || !realm || !nonce) {
      throw new Error(`expected a 401 challenge, got 0x${challenge.type.toString(16)}`);
    }
    const key = createHash('md5')
      .update(`${username}:${realm.toString('utf8')}:${password}`)
      .digest();
    const reply = await transact(
      socket,
      port,
      (id) =>
        message(
          ALLOCATE,
          id,
          [
            transport,
            attribute(ATTR.username, Buffer.from(username)),
            attribute(ATTR.realm, realm),
            attribute(ATTR.nonce, nonce),
          ],
          key,
        ),
      timeoutMs,
    );
    if (reply.type === (ALLOCATE | SUCCESS)) {
      const relayed = reply.attributes.get(ATTR.xorRelayedAddress);
      const relayPort = relayed ? relayed.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16) : 0;
      return { ok: true, relayPort };
    }
    return { ok: false, ...errorOf(reply) };
  });
}
