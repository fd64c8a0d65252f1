import type { FastifyInstance } from 'fastify';

/**
 * `GET /healthz`: `{ok: true}`, and `redis: 'up' | 'down'` when seats live in a shared store.
 * It answers 200 even while Redis is away: every node would fail at once, and a load balancer that
 * took them all out of rotation would end the calls' signaling too. `redis` tells the operator.
 */
export async function healthPlugin(app: FastifyInstance): Promise<void> {
  if (!app.hasDecorator('seatStore')) throw new Error('healthPlugin: register redisPlugin (the seat store) first.');
  const seats = app.seatStore;
  app.get('/healthz', async () => ({ ok: true, ...(seats.health ? { redis: seats.health() } : {}) }));
}
