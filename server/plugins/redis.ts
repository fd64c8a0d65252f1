import { createAdapter } from '@socket.io/redis-adapter';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServerOptions } from 'socket.io';
import { MemorySeatStore, type SeatStore } from '../lib/seats.js';
import {
  DEFAULT_REDIS_PREFIX,
  RedisSeatStore,
  commandClient,
  subscriberClient,
  type RedisSeatOptions,
} from '../lib/seats-redis.js';

/** Options of {@link redisPlugin}. */
export interface RedisPluginOptions {
  /** `REDIS_URL`: seats and sockets shared by every node using it; null: this process's memory. */
  url: string | null;
  /** A seat store to use instead (tests, embedders); when given, no Redis connection is made. */
  seats?: SeatStore;
  /** Heartbeat, node timeout, hold and key prefix of the Redis store (tests shorten them). */
  store?: Omit<RedisSeatOptions, 'log' | 'nodeId'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where seats live: Redis (`REDIS_URL`), the store given to buildApp, or memory (plugins/redis.ts). */
    seatStore: SeatStore;
    /** The socket.io adapter that reaches the sockets of other nodes (Redis); null: this process's only. */
    socketAdapter: ServerOptions['adapter'] | null;
  }
}

/** How long a node waits for Redis at start before it listens anyway (joins then wait for Redis). */
const REDIS_START_WAIT_MS = 5000;

function checkOptions(options: RedisPluginOptions): void {
  if (options.url !== null && typeof options.url !== 'string') {
    throw new TypeError('redisPlugin: url must be a redis:// or rediss:// URL, or null.');
  }
  if (options.seats !== undefined && typeof options.seats?.claim !== 'function') {
    throw new TypeError('redisPlugin: seats must be a SeatStore.');
  }
}

async function redis(app: FastifyInstance, options: RedisPluginOptions): Promise<void> {
  checkOptions(options);
  if (options.seats || !options.url) {
    app.decorate('seatStore', options.seats ?? new MemorySeatStore());
    app.decorate('socketAdapter', null);
    return;
  }
  // Errors are logged, never thrown: a node outlives Redis, and ioredis reconnects by itself.
  let lastError = '';
  const onError = (error: Error): void => {
    if (error.message !== lastError) app.log.warn({ err: error }, 'Redis connection problem');
    lastError = error.message;
  };
  const commands = commandClient(options.url, onError);
  const subscriber = subscriberClient(options.url, onError);
  commands.on('ready', () => {
    lastError = '';
    app.log.info('connected to Redis');
  });
  const store = new RedisSeatStore(commands, { ...options.store, log: app.log });
  app.decorate('seatStore', store);
  app.decorate(
    'socketAdapter',
    createAdapter(commands, subscriber, { key: `${options.store?.prefix ?? DEFAULT_REDIS_PREFIX}socket.io` }),
  );
  app.addHook('onReady', async () => {
    if (!(await store.whenReady(REDIS_START_WAIT_MS))) {
      app.log.warn('Redis is not reachable yet: joins are refused ("unavailable") until it is.');
    }
  });
  // onClose hooks run in reverse order: this one after the socket.io server has closed.
  app.addHook('onClose', async () => {
    await store.close();
    commands.disconnect();
    subscriber.disconnect();
  });
}

/**
 * Where seats live and how sockets of other nodes are reached: with a Redis URL, its two clients
 * (commands and the adapter's subscriber), the seat store in Redis and the socket.io adapter,
 * released on close; without, seats in memory and no adapter. Wrapped with fastify-plugin: the
 * signaling plugins use `app.seatStore` and `app.socketAdapter`.
 */
export const redisPlugin = fp(redis, { name: 'rtc-call-redis', fastify: '5.x' });
