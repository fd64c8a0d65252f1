// Prints a join token for one room: `JOIN_SECRET=… npm run token -- --room NAME --ttl 3600`.
// It reads the server's own settings (JOIN_SECRET, JOIN_AUDIENCE, JOIN_ISSUER,
// JOIN_TOKEN_MAX_LIFETIME) so that it never prints a token this server would refuse.
import { parseArgs } from 'node:util';
import { ROOM_PATTERN } from '../src/protocol/signaling.js';
import { ConfigError, configFromEnv, type ServerConfig } from '../server/config.js';
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
let config: ServerConfig;
try {
  config = configFromEnv(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  stop(error.message);
}
const secret = config.joinSecret;
if (!secret) stop('JOIN_SECRET is not set: use the same secret as the server.');
if (!values.room || !ROOM_PATTERN.test(values.room)) {
  stop('--room takes a room name: 1–64 characters of letters, digits, "-" and "_".');
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) stop(`--ttl takes a number of seconds, got "${values.ttl}".`);
if (ttl > config.joinTokenMaxLifetime) {
  stop(
    `--ttl ${ttl} is longer than JOIN_TOKEN_MAX_LIFETIME (${config.joinTokenMaxLifetime} s): the server would refuse it.`,
  );
}

const now = Math.floor(Date.now() / 1000);
const [aud] = config.joinAudience;
const [iss] = config.joinIssuer;
const claims = { room: values.room, exp: now + ttl, ...(aud ? { aud } : {}), ...(iss ? { iss } : {}) };
console.log(await signJoinToken(claims, secret, now));
