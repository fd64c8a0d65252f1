/** Validated server options, built from the environment by {@link configFromEnv}. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Page origins allowed to connect; `'*'` allows any. */
  allowedOrigins: '*' | string[];
  stunUrls: string[];
  /** Milliseconds a seat whose socket dropped stays reserved for its owner. */
  seatGraceMs: number;
  /** pino level, or false for no logs. */
  logLevel: string | false;
}

/** The defaults of DESIGN.md §3. */
export const DEFAULT_CONFIG: ServerConfig = {
  port: 8080,
  host: 'localhost',
  allowedOrigins: '*',
  stunUrls: [],
  seatGraceMs: 20_000,
  logLevel: 'info',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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

/** Reads DESIGN.md §3's variables; throws {@link ConfigError} on the first unusable one. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const logLevel = env.LOG_LEVEL ?? DEFAULT_CONFIG.logLevel;
  if (logLevel !== false && !LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}".`);
  }
  return {
    port: integer(env, 'PORT', DEFAULT_CONFIG.port, 0, 65535),
    host: env.HOST || DEFAULT_CONFIG.host,
    allowedOrigins: origins(env.ALLOWED_ORIGINS),
    stunUrls: list(env.STUN_URLS),
    seatGraceMs: integer(env, 'SEAT_GRACE_MS', DEFAULT_CONFIG.seatGraceMs, 0, 24 * 3600 * 1000),
    logLevel,
  };
}
