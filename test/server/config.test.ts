import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, configFromEnv } from '../../server/config.js';

const SECRET = 'a-secret-long-enough-0123456789';

test('configFromEnv: the defaults of DESIGN.md §3', () => {
  const config = configFromEnv({});
  assert.deepEqual(config, DEFAULT_CONFIG);
  assert.equal(config.port, 8080);
  assert.equal(config.allowedOrigins, '*');
  assert.equal(config.turnTtl, 600, 'TURN credentials last 10 minutes: they outlive leave');
  assert.equal(config.turnMintPerMinute, 20);
  assert.deepEqual(config.trustProxy, ['loopback']);
  assert.equal(config.seatGraceMs, 20_000);
  assert.equal(config.tls, null);
  assert.equal(config.limits.pingIntervalMs + config.limits.pingTimeoutMs, 15_000, 'a dead socket is noticed in 15 s');
});

test('configFromEnv reads every variable', () => {
  const config = configFromEnv({
    PORT: '9000',
    HOST: '0.0.0.0',
    ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443',
    JOIN_SECRET: SECRET,
    STUN_URLS: 'stun:stun.example.com:3478',
    TURN_URLS: 'turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349?transport=tcp',
    TURN_SECRET: SECRET,
    TURN_TTL: '900',
    TURN_MINT_PER_MINUTE: '5',
    TRUST_PROXY: '10.0.0.0/8, loopback',
    HTTPS: 'self-signed',
    SEAT_GRACE_MS: '5000',
    REDIS_URL: 'redis://:pw@10.0.0.5:6379/2',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  });
  assert.deepEqual(
    { ...config, limits: undefined },
    {
      ...DEFAULT_CONFIG,
      limits: undefined,
      port: 9000,
      host: '0.0.0.0',
      allowedOrigins: ['https://a.example', 'https://b.example:8443'],
      joinSecret: SECRET,
      stunUrls: ['stun:stun.example.com:3478'],
      turnUrls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349?transport=tcp'],
      turnSecret: SECRET,
      turnTtl: 900,
      turnMintPerMinute: 5,
      trustProxy: ['10.0.0.0/8', 'loopback'],
      tls: 'self-signed',
      seatGraceMs: 5000,
      redisUrl: 'redis://:pw@10.0.0.5:6379/2',
      logLevel: 'warn',
      production: true,
    },
  );
  assert.deepEqual(configFromEnv({ TLS_CERT: '/etc/c.pem', TLS_KEY: '/etc/k.pem' }).tls, {
    cert: '/etc/c.pem',
    key: '/etc/k.pem',
  });
});

test('configFromEnv refuses unusable values with a ConfigError naming the variable', () => {
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT must be an integer/],
    [{ SEAT_GRACE_MS: '-1' }, /^SEAT_GRACE_MS must be an integer/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ ALLOWED_ORIGINS: 'example.com' }, /^ALLOWED_ORIGINS: "example.com" is not an origin/],
    [{ ALLOWED_ORIGINS: 'https://example.com/' }, /^ALLOWED_ORIGINS: .* should be written "https:\/\/example.com"/],
    [{ JOIN_SECRET: 'short' }, /^JOIN_SECRET must be at least 16 characters; make one with "openssl rand/],
    [{ TURN_URLS: 'turn:t.example.com:3478' }, /^TURN_URLS needs TURN_SECRET/],
    [{ TURN_SECRET: SECRET }, /^TURN_SECRET is set but TURN_URLS is empty/],
    [
      { TURN_URLS: 'http://t.example.com', TURN_SECRET: SECRET },
      /^TURN_URLS: "http:\/\/t.example.com" is not a turn: or turns: URL/,
    ],
    [{ STUN_URLS: 'turn:t.example.com' }, /^STUN_URLS: .* is not a stun: or stuns: URL/],
    [{ TURN_URLS: 'turn:t', TURN_SECRET: SECRET, TURN_TTL: '10' }, /^TURN_TTL must be an integer from 60/],
    [{ TURN_MINT_PER_MINUTE: 'lots' }, /^TURN_MINT_PER_MINUTE must be an integer from 0/],
    [{ TRUST_PROXY: 'nginx' }, /^TRUST_PROXY: "nginx" is not an address, a CIDR block/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY: "10.0.0.0\/33" is not/],
    [{ TRUST_PROXY: 'none, loopback' }, /^TRUST_PROXY: "none" is not/],
    [{ HTTPS: 'yes' }, /^HTTPS takes only "self-signed"/],
    [{ REDIS_URL: 'http://10.0.0.5:6379' }, /^REDIS_URL must start with redis:\/\/ or rediss:\/\//],
    [{ REDIS_URL: '10.0.0.5:6379' }, /^REDIS_URL: "10.0.0.5:6379" is not a URL/],
    [{ TLS_CERT: '/etc/c.pem' }, /^TLS_CERT and TLS_KEY must be set together/],
    [{ TLS_CERT: '/c', TLS_KEY: '/k', HTTPS: 'self-signed' }, /either TLS_CERT and TLS_KEY or HTTPS=self-signed/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => configFromEnv(env),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      JSON.stringify(env),
    );
  }
});
