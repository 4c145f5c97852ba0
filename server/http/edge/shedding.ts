import { getHeapStatistics } from 'node:v8';

import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { EdgeConfig } from '../../config.js';
import { Unavailable } from '../errors.js';

/** Probes answer even under pressure: a load balancer must not pull a node that is shedding. */
const ALWAYS_ANSWERED = new Set(['/healthz']);
const TICK_MS = 100;
/** One long stall (a GC, a big query on the embedded database) is not overload; a run of them is. */
const LAGGING_TICKS = 3;

/**
 * Load shedding: when the event loop keeps lagging or the heap nears its limit, answer
 * 503 with Retry-After at once, before the process falls over. Checked first on every request.
 *
 * Event-loop lag is measured here as timer drift rather than with under-pressure's own
 * histogram check: that one reads an empty sampling window as infinite delay and then
 * refuses every request on a busy but healthy machine. Heap is under-pressure's.
 */
export async function registerLoadShedding(app: FastifyInstance, edge: EdgeConfig) {
  let lagging = 0;
  let expected = Date.now() + TICK_MS;
  const ticker = setInterval(() => {
    const now = Date.now();
    lagging = now - expected > edge.shedEventLoopDelayMs ? lagging + 1 : 0;
    expected = now + TICK_MS;
  }, TICK_MS);
  ticker.unref();
  app.addHook('onClose', () => clearInterval(ticker));

  let lastLogged = 0;
  const shed = (request: FastifyRequest, pressure: string) => {
    // One line per second at most: under overload, logging every refusal would add to it.
    const now = Date.now();
    if (now - lastLogged >= 1000) {
      lastLogged = now;
      request.log.warn({ pressure }, 'shedding load');
    }
    return new Unavailable('The service is overloaded; try again shortly.', 'overloaded', 5);
  };

  if (edge.shedEventLoopDelayMs > 0) {
    app.addHook('onRequest', (request, _reply, done) => {
      if (lagging >= LAGGING_TICKS && !ALWAYS_ANSWERED.has(request.routeOptions.url ?? '')) {
        done(shed(request, 'eventLoopDelay'));
        return;
      }
      done();
    });
  }

  await app.register(underPressure, {
    maxHeapUsedBytes: edge.shedHeapBytes || Math.floor(getHeapStatistics().heap_size_limit * 0.9),
    sampleInterval: 200,
    // A rejected promise reaches the problem+json error handler (503 with Retry-After).
    pressureHandler: async (request, _reply, type) => {
      if (ALWAYS_ANSWERED.has(request.routeOptions.url ?? '')) return;
      throw shed(request, type);
    },
  });
}
