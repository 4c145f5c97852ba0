import type { FastifyRequest } from 'fastify';

import type { Config } from '../../config.js';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Limits } from '../../platform/limits.js';
import { createAuditModule } from '../audit/module.js';
import { createSearchCache } from './cache.js';
import { facilitiesRoutes } from './routes.js';
import { createSearchService } from './search.js';
import { createFacilityService } from './service.js';
import { createFacilityStore } from './store.js';

/** Memory a node may spend on cached search answers (JSON text, roughly bytes). */
const SEARCH_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Centres, sessions, seats and the public search. Booking takes `service` (getSession,
 * takeSeat, giveSeatBack) and, after its transaction commits, calls
 * `cache.invalidateSession(sessionId)` so this node stops serving the old count at once.
 */
export function createFacilitiesModule({
  db,
  clock,
  config,
  limits,
  appKey,
}: {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'searchCacheSeconds' | 'searchRateLimit' | 'searchRateWindowSeconds'>;
  limits: Limits;
  /** The x-api-key guard (availability:read) of CoWIN v2's protected availability paths. */
  appKey: (request: FastifyRequest) => Promise<void>;
}) {
  const store = createFacilityStore();
  const cache = createSearchCache({
    ttlSeconds: config.searchCacheSeconds,
    maxBytes: SEARCH_CACHE_BYTES,
    clock,
  });
  const service = createFacilityService({ store, audit: createAuditModule().service, clock });
  const search = createSearchService({ db, store, cache });
  const limiter = limits.limiter({
    name: 'public-search',
    points: config.searchRateLimit,
    durationSeconds: config.searchRateWindowSeconds,
  });
  return { service, cache, search, routes: facilitiesRoutes({ search, limiter, clock, appKey }) };
}

export type FacilitiesModule = ReturnType<typeof createFacilitiesModule>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The facilities module of this app: booking and tests reach its service and cache here. */
    facilities: FacilitiesModule;
  }
}
