import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SignalingMetrics } from '../lib/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The signaling's counters and gauges, which the other plugins count into (plugins/metrics.ts). */
    metrics: SignalingMetrics;
  }
}

async function metrics(app: FastifyInstance): Promise<void> {
  app.decorate('metrics', new SignalingMetrics());
  app.get('/metrics', async (_request, reply) => {
    const body = await app.metrics.render();
    return reply.type('text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(body);
  });
}

/**
 * `GET /metrics` in Prometheus text format, and `app.metrics`, what it renders. It names no room,
 * session or address, only counts; operators who would rather not publish even those block the
 * path at their proxy. Wrapped with fastify-plugin: the signaling plugins count into `app.metrics`.
 */
export const metricsPlugin = fp(metrics, { name: 'rtc-call-metrics', fastify: '5.x' });
