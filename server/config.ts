import { DEFAULT_JOIN_TOKEN_RULES } from './lib/tokens.js';
import { PROXY_RANGE_NAMES, proxyTrust } from './lib/client-address.js';

/** How the server serves HTTPS: certificate and key files, a self-made certificate, or not at all. */
export type TlsSetting = { cert: string; key: string } | 'self-signed' | null;

/** Limits that protect the server from one client; not read from the environment (tests tune them). */
export interface Limits {
  /** Events a socket may send in one burst (the bucket's size). */
  burst: number;
  /** Events per second the bucket refills. */
  perSecond: number;
  /** Refused events (decaying by one a second) after which the socket is disconnected. */
  strikes: number;
  /** engine.io heartbeat: a ping every `pingIntervalMs`, a dead socket is dropped `pingTimeoutMs` later. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** How long a connection may stay open without joining the socket.io namespace (CONNECT). */
  connectTimeoutMs: number;
  /** Bytes the server may hold for one socket that does not read them; past it, the socket is cut. */
  maxSocketBufferBytes: number;
}

/** Validated server options, built from the environment by {@link configFromEnv}. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Page origins allowed to connect; `'*'` allows any. */
  allowedOrigins: '*' | string[];
  /** HS256 secret of join tokens; null lets anyone who knows a room name join it. */
  joinSecret: string | null;
  /** `aud` values a join token must name one of; empty: tokens must carry no `aud`. */
  joinAudience: string[];
  /** `iss` values a join token must carry one of; empty: not checked. */
  joinIssuer: string[];
  /** Seconds a join token's `exp` may lie ahead of now. */
  joinTokenMaxLifetime: number;
  /** Seconds of clock difference forgiven on a join token's `exp` and `nbf`. */
  joinTokenLeeway: number;
  /**
   * Secret that signs sessions, the same on every node; null: derived from `joinSecret`, else (a
   * single node) generated once and kept in `stateDir`.
   */
  sessionSecret: string | null;
  /** Where the server keeps what must survive a restart (the generated session secret). */
  stateDir: string;
  stunUrls: string[];
  turnUrls: string[];
  /** coturn's `static-auth-secret`; set together with `turnUrls`. */
  turnSecret: string | null;
  /** Lifetime of TURN credentials, in seconds. */
  turnTtl: number;
  /** TURN credentials one client address may get a minute (a burst of as many); 0: no limit. */
  turnMintPerMinute: number;
  /** Proxies whose `X-Forwarded-For` names the client: addresses, CIDR blocks, `loopback`, …; [] trusts none. */
  trustProxy: string[];
  tls: TlsSetting;
  /** Where `HTTPS=self-signed` keeps its certificate. */
  certDir: string;
  /** Milliseconds a seat whose socket dropped stays reserved for its owner. */
  seatGraceMs: number;
  /** `redis://` or `rediss://` URL: rooms and seats shared by every node using it; null = in memory. */
  redisUrl: string | null;
  /** pino level, or false for no logs. */
  logLevel: string | false;
  /** `NODE_ENV=production`: risky settings are logged as warnings. */
  production: boolean;
  limits: Limits;
}

/** The limits of DESIGN.md §2: a burst of trickled candidates passes, a flood does not. */
export const DEFAULT_LIMITS: Limits = {
  burst: 60,
  perSecond: 10,
  strikes: 20,
  // A dead socket (no FIN: a phone that lost its network) is noticed within about 15 s.
  pingIntervalMs: 10_000,
  pingTimeoutMs: 5_000,
  connectTimeoutMs: 10_000,
  // 8 full-size SDPs: far beyond what a reading client ever leaves unread, small enough that a
  // thousand stalled sockets cost 256 MiB at most (a quarter of the systemd unit's MemoryMax).
  maxSocketBufferBytes: 256 * 1024,
};

/** The defaults of DESIGN.md §3. */
export const DEFAULT_CONFIG: ServerConfig = {
  port: 8080,
  host: 'localhost',
  allowedOrigins: '*',
  joinSecret: null,
  joinAudience: [],
  joinIssuer: [],
  joinTokenMaxLifetime: DEFAULT_JOIN_TOKEN_RULES.maxLifetime,
  joinTokenLeeway: DEFAULT_JOIN_TOKEN_RULES.leeway,
  sessionSecret: null,
  stateDir: '.rtc-call',
  stunUrls: [],
  turnUrls: [],
  turnSecret: null,
  // Short: a credential outlives `leave`, and anyone who saw it may allocate with it until then.
  // Calls are unaffected: coturn checks the expiry only when an allocation is made.
  turnTtl: 600,
  turnMintPerMinute: 20,
  // nginx on the same host (deploy/nginx.conf); only a process on this host could forge the header.
  trustProxy: ['loopback'],
  tls: null,
  certDir: '.certs',
  seatGraceMs: 20_000,
  redisUrl: null,
  logLevel: 'info',
  production: false,
  limits: DEFAULT_LIMITS,
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** Shortest secret accepted: anything shorter is guessable offline from one token or credential. */
export const MIN_SECRET_LENGTH = 16;

/** The refusal of several nodes without a shared session secret (each must accept the others' sessions). */
export const SHARED_SECRET_NEEDED =
  'REDIS_URL (several nodes) needs SESSION_SECRET, the same on every node, so that each node accepts ' +
  'the sessions the others issued; make one with "openssl rand -base64 32" (or set JOIN_SECRET, ' +
  'from which it is then derived).';

/** A configuration value that cannot be used; the message names the variable and what it takes. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

function origins(raw: string | undefined): '*' | string[] {
  const items = list(raw);
  if (items.length === 0 || items.includes('*')) return '*';
  for (const origin of items) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(`ALLOWED_ORIGINS: "${origin}" is not an origin like https://example.com.`);
    }
    if (parsed.origin !== origin) {
      throw new ConfigError(`ALLOWED_ORIGINS: "${origin}" should be written "${parsed.origin}" (scheme, host, port).`);
    }
  }
  return items;
}

function iceUrls(raw: string | undefined, name: string, schemes: readonly string[]): string[] {
  const urls = list(raw);
  for (const url of urls) {
    const scheme = /^([a-z]+):/.exec(url)?.[1];
    if (!scheme || !schemes.includes(scheme) || /\s/.test(url)) {
      throw new ConfigError(
        `${name}: "${url}" is not a ${schemes.join(': or ')}: URL (for example ${schemes[0]}:turn.example.com:3478).`,
      );
    }
  }
  return urls;
}

function secret(raw: string | undefined, name: string): string | null {
  if (raw === undefined || raw === '') return null;
  if (raw.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `${name} must be at least ${MIN_SECRET_LENGTH} characters; make one with "openssl rand -base64 32".`,
    );
  }
  return raw;
}

function trustProxy(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_CONFIG.trustProxy;
  if (raw.trim() === 'none') return [];
  const items = list(raw);
  for (const item of items) {
    try {
      proxyTrust([item]);
    } catch {
      throw new ConfigError(
        `TRUST_PROXY: "${item}" is not an address, a CIDR block like 10.0.0.0/8, or one of ${PROXY_RANGE_NAMES.join(', ')} (or "none" alone).`,
      );
    }
  }
  return items;
}

function redisUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`REDIS_URL: "${raw}" is not a URL like redis://127.0.0.1:6379.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${parsed.protocol}".`);
  }
  return raw;
}

function tls(env: NodeJS.ProcessEnv): TlsSetting {
  const { TLS_CERT: cert, TLS_KEY: key, HTTPS: https } = env;
  if (https !== undefined && https !== '' && https !== 'self-signed') {
    throw new ConfigError(
      `HTTPS takes only "self-signed" (for LAN testing), got "${https}"; use TLS_CERT and TLS_KEY.`,
    );
  }
  if (cert || key) {
    if (!cert || !key) throw new ConfigError('TLS_CERT and TLS_KEY must be set together (PEM file paths).');
    if (https) throw new ConfigError('Set either TLS_CERT and TLS_KEY or HTTPS=self-signed, not both.');
    return { cert, key };
  }
  return https === 'self-signed' ? 'self-signed' : null;
}

/** Reads DESIGN.md §3's variables; throws {@link ConfigError} on the first unusable one. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const logLevel = env.LOG_LEVEL || DEFAULT_CONFIG.logLevel;
  if (logLevel !== false && !LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}".`);
  }
  const turnUrls = iceUrls(env.TURN_URLS, 'TURN_URLS', ['turn', 'turns']);
  const turnSecret = secret(env.TURN_SECRET, 'TURN_SECRET');
  if (turnUrls.length > 0 && !turnSecret) {
    throw new ConfigError("TURN_URLS needs TURN_SECRET (coturn's static-auth-secret) to mint credentials.");
  }
  if (turnSecret && turnUrls.length === 0) {
    throw new ConfigError(
      'TURN_SECRET is set but TURN_URLS is empty: list your coturn, e.g. turn:turn.example.com:3478.',
    );
  }
  const joinSecret = secret(env.JOIN_SECRET, 'JOIN_SECRET');
  for (const name of ['JOIN_AUDIENCE', 'JOIN_ISSUER', 'JOIN_TOKEN_MAX_LIFETIME', 'JOIN_TOKEN_LEEWAY']) {
    // Otherwise an operator would believe tokens are checked while nobody needs one.
    if (env[name] && !joinSecret) throw new ConfigError(`${name} is set but JOIN_SECRET is not: no token is checked.`);
  }
  const sessionSecret = secret(env.SESSION_SECRET, 'SESSION_SECRET');
  const redis = redisUrl(env.REDIS_URL);
  if (redis && !sessionSecret && !joinSecret) {
    throw new ConfigError(SHARED_SECRET_NEEDED);
  }
  return {
    ...DEFAULT_CONFIG,
    port: integer(env, 'PORT', DEFAULT_CONFIG.port, 0, 65535),
    host: env.HOST || DEFAULT_CONFIG.host,
    allowedOrigins: origins(env.ALLOWED_ORIGINS),
    joinSecret,
    joinAudience: list(env.JOIN_AUDIENCE),
    joinIssuer: list(env.JOIN_ISSUER),
    joinTokenMaxLifetime: integer(
      env,
      'JOIN_TOKEN_MAX_LIFETIME',
      DEFAULT_CONFIG.joinTokenMaxLifetime,
      60,
      30 * 24 * 3600,
    ),
    joinTokenLeeway: integer(env, 'JOIN_TOKEN_LEEWAY', DEFAULT_CONFIG.joinTokenLeeway, 0, 300),
    sessionSecret,
    // systemd sets STATE_DIRECTORY from the unit's StateDirectory= (a list: the first one is ours).
    stateDir: env.STATE_DIRECTORY?.split(':')[0] || DEFAULT_CONFIG.stateDir,
    stunUrls: iceUrls(env.STUN_URLS, 'STUN_URLS', ['stun', 'stuns']),
    turnUrls,
    turnSecret,
    turnTtl: integer(env, 'TURN_TTL', DEFAULT_CONFIG.turnTtl, 60, 7 * 24 * 3600),
    turnMintPerMinute: integer(env, 'TURN_MINT_PER_MINUTE', DEFAULT_CONFIG.turnMintPerMinute, 0, 100_000),
    trustProxy: trustProxy(env.TRUST_PROXY),
    tls: tls(env),
    seatGraceMs: integer(env, 'SEAT_GRACE_MS', DEFAULT_CONFIG.seatGraceMs, 0, 24 * 3600 * 1000),
    redisUrl: redis,
    logLevel,
    production: env.NODE_ENV === 'production',
  };
}
