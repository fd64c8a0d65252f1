// Prints a join token for one room: `JOIN_SECRET=… npm run token -- --room NAME --ttl 3600`.
import { parseArgs } from 'node:util';
import { ROOM_PATTERN } from '../src/protocol/signaling.js';
import { signJoinToken } from '../server/lib/tokens.js';

const USAGE = 'usage: JOIN_SECRET=… npm run token -- --room NAME [--ttl SECONDS]';

function stop(message: string): never {
  console.error(`token: ${message}\n${USAGE}`);
  process.exit(2);
}

let values: { room?: string; ttl?: string };
try {
  ({ values } = parseArgs({ options: { room: { type: 'string' }, ttl: { type: 'string', default: '3600' } } }));
} catch (error) {
  stop(error instanceof Error ? error.message : String(error));
}
const secret = process.env.JOIN_SECRET;
if (!secret) stop('JOIN_SECRET is not set: use the same secret as the server.');
if (!values.room || !ROOM_PATTERN.test(values.room)) {
  stop('--room takes a room name: 1–64 characters of letters, digits, "-" and "_".');
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) stop(`--ttl takes a number of seconds, got "${values.ttl}".`);

console.log(signJoinToken({ room: values.room, exp: Math.floor(Date.now() / 1000) + ttl }, secret));
