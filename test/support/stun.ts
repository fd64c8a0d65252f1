import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

// Just enough STUN/TURN (RFC 8489, RFC 8656) to ask a TURN server for a relay allocation over UDP
// the way a browser does, and to see whether it accepts the credentials.

const MAGIC_COOKIE = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const REFRESH = 0x0004;
const CREATE_PERMISSION = 0x0008;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  lifetime: 0x000d,
  requestedAddressFamily: 0x0017,
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

/** The outcome of a TURN request: success, or the server's error code and reason. */
export type TurnAnswer = { ok: true } | { ok: false; code: number; reason: string };

/** The outcome of a TURN Allocate: the relay port, or the server's error code and reason. */
export type AllocateResult = { ok: true; relayPort: number } | { ok: false; code: number; reason: string };

function errorOf(reply: StunMessage): { code: number; reason: string } {
  const value = reply.attributes.get(ATTR.errorCode);
  if (!value || value.length < 4) return { code: 0, reason: 'no ERROR-CODE' };
  return { code: (value[2]! & 0x7) * 100 + value[3]!, reason: value.subarray(4).toString('utf8') };
}

/** XOR-PEER-ADDRESS for an IPv4 or IPv6 address (RFC 8489 §14.2). */
function xorPeerAddress(ip: string, port: number, transactionId: Buffer): Buffer {
  const v6 = isIPv6(ip);
  const address = v6 ? ipv6Bytes(ip) : Buffer.from(ip.split('.').map(Number));
  const mask = Buffer.alloc(v6 ? 16 : 4);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  if (v6) transactionId.copy(mask, 4);
  const value = Buffer.alloc(4 + address.length);
  value[1] = v6 ? 0x02 : 0x01;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  for (let i = 0; i < address.length; i += 1) value[4 + i] = address[i]! ^ mask[i]!;
  return attribute(ATTR.xorPeerAddress, value);
}

/** The 16 bytes of an IPv6 address, written any way RFC 4291 allows (`::`, a dotted IPv4 tail). */
export function ipv6Bytes(ip: string): Buffer {
  // Expand "::" and a trailing dotted IPv4 part into eight 16-bit groups.
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/** An authenticated TURN allocation over UDP, as a browser makes one. */
export interface TurnSession {
  allocation: AllocateResult;
  /** Asks the server to let `ip` send to the relay (CreatePermission): refused for denied peers. */
  createPermission(ip: string, port?: number): Promise<TurnAnswer>;
  /** Extends the allocation by `lifetime` seconds (Refresh), as a browser does before it lapses. */
  refresh(lifetime?: number): Promise<TurnAnswer>;
  /** How many times the server said 438 (Stale Nonce) and the request went again with its new nonce. */
  readonly staleNonces: number;
  close(): void;
}

/**
 * Opens a TURN allocation on 127.0.0.1:`port` with long-term credentials, the way a browser does:
 * an unauthenticated request for the realm and nonce, then signed ones.
 */
export async function turnSession(
  port: number,
  username: string,
  password: string,
  { family = 'ipv4', timeoutMs = 3000 }: { family?: 'ipv4' | 'ipv6'; timeoutMs?: number } = {},
): Promise<TurnSession> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const requested = [attribute(ATTR.requestedTransport, Buffer.from([17, 0, 0, 0]))];
    if (family === 'ipv6') requested.push(attribute(ATTR.requestedAddressFamily, Buffer.from([2, 0, 0, 0])));
    const challenge = await transact(socket, port, (id) => message(ALLOCATE, id, requested), timeoutMs);
    const realm = challenge.attributes.get(ATTR.realm);
    const nonce = challenge.attributes.get(ATTR.nonce);
    if (challenge.type !== (ALLOCATE | ERROR) || !realm || !nonce) {
      throw new Error(`expected a 401 challenge, got 0x${challenge.type.toString(16)}`);
    }
    const key = createHash('md5')
      .update(`${username}:${realm.toString('utf8')}:${password}`)
      .digest();
    let currentNonce = nonce;
    let staleNonces = 0;
    const credentials = (): Buffer[] => [
      attribute(ATTR.username, Buffer.from(username)),
      attribute(ATTR.realm, realm),
      attribute(ATTR.nonce, currentNonce),
    ];
    // A signed request; a 438 (Stale Nonce) is answered as a browser does: again with the new nonce.
    const signed = async (type: number, attributes: (id: Buffer) => Buffer[]): Promise<StunMessage> => {
      const send = (): Promise<StunMessage> =>
        transact(socket, port, (id) => message(type, id, [...attributes(id), ...credentials()], key), timeoutMs);
      const answer = await send();
      const fresh = answer.attributes.get(ATTR.nonce);
      if (answer.type !== (type | ERROR) || errorOf(answer).code !== 438 || !fresh) return answer;
      currentNonce = fresh;
      staleNonces += 1;
      return send();
    };
    const outcome = (type: number, answer: StunMessage): TurnAnswer =>
      answer.type === (type | SUCCESS) ? { ok: true } : { ok: false, ...errorOf(answer) };
    const reply = await signed(ALLOCATE, () => requested);
    let allocation: AllocateResult;
    if (reply.type === (ALLOCATE | SUCCESS)) {
      const relayed = reply.attributes.get(ATTR.xorRelayedAddress);
      allocation = { ok: true, relayPort: relayed ? relayed.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16) : 0 };
    } else {
      allocation = { ok: false, ...errorOf(reply) };
    }
    return {
      allocation,
      async createPermission(ip, peerPort = 9) {
        return outcome(CREATE_PERMISSION, await signed(CREATE_PERMISSION, (id) => [xorPeerAddress(ip, peerPort, id)]));
      },
      async refresh(lifetime = 600) {
        const value = Buffer.alloc(4);
        value.writeUInt32BE(lifetime, 0);
        return outcome(REFRESH, await signed(REFRESH, () => [attribute(ATTR.lifetime, value)]));
      },
      get staleNonces() {
        return staleNonces;
      },
      close: () => socket.close(),
    };
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** Asks for a UDP relay with long-term credentials and lets it go; resolves with the outcome. */
export async function turnAllocate(
  port: number,
  username: string,
  password: string,
  timeoutMs = 3000,
): Promise<AllocateResult> {
  const session = await turnSession(port, username, password, { timeoutMs });
  session.close();
  return session.allocation;
}
