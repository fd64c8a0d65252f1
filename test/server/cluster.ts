import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Socket } from 'socket.io-client';
import type { AppOptions } from '../../server/app.js';
import { startNode, type NodeProcess } from '../support/node-process.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { request } from './helpers.js';

/**
 * Two nodes sharing one Redis and a session secret; heartbeat and node timeout short so a dead node
 * is noticed soon.
 */
export async function cluster(
  t: TestContext,
  options: AppOptions = {},
  beforeNodes: (redis: RedisServer) => Promise<void> = async () => undefined,
): Promise<{ redis: RedisServer; a: NodeProcess; b: NodeProcess }> {
  const redis = await startRedis(t);
  await beforeNodes(redis);
  const nodeOptions: AppOptions = {
    redisUrl: redis.url,
    sessionSecret: randomBytes(32).toString('base64url'),
    redis: { heartbeatMs: 200, nodeTimeoutMs: 2000, holdMs: 1000 },
    limits: { burst: 1e6, perSecond: 1e6 },
    ...options,
  };
  const [a, b] = await Promise.all([startNode(t, nodeOptions), startNode(t, nodeOptions)]);
  return { redis, a, b };
}

/** Joins, retrying while the server answers `unavailable` (what the browser client does too). */
export async function joinWhenAvailable(socket: Socket, payload: object): Promise<Record<string, any>> {
  for (;;) {
    const answer = await request(socket, 'join', payload);
    if (answer.ok || answer.error.code !== 'unavailable') return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
