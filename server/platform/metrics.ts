import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics for one app instance (each has its own registry, so several apps in
 * one process do not collide). Labels are route patterns and small enumerations only:
 * never a raw URL, id or anything a person typed.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'teeka_' });
  const httpDuration = new Histogram({
    name: 'teeka_http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'teeka_rate_limited_total',
    help: 'Requests refused by a rate limit, by limit name',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    rateLimited,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
