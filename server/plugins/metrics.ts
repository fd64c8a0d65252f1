import type { FastifyPluginAsync } from 'fastify';
import type { SignalingMetrics } from '../lib/metrics.js';

/** Options of {@link metricsPlugin}. */
export interface MetricsOptions {
  metrics: SignalingMetrics;
}

/**
 * `GET /metrics` in Prometheus text format. It names no room, session or address, only counts;
 * operators who would rather not publish even those block the path at their proxy.
 */
export const metricsPlugin: FastifyPluginAsync<MetricsOptions> = async (app, options) => {
  app.get('/metrics', async (_request, reply) => {
    const body = await options.metrics.render();
    return reply.type('text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(body);
  });
};
