import type { Platform } from '../../platform/platform.js';
import { createSearchCache } from '../facilities/cache.js';
import { reportRoutes } from './routes.js';
import { createReportService } from './service.js';

/** How old a public report may be: it is recomputed at most once per node per this many seconds. */
export const REPORT_CACHE_SECONDS = 300;
/** One report (a few KB per breakdown); the bound only guards against a runaway. */
const REPORT_CACHE_BYTES = 4 * 1024 * 1024;

/** Public aggregate reports for the dashboard (aggregates only, suppressed on the server). */
export function createReportsModule({
  db,
  clock,
  config,
  limits,
}: Pick<Platform, 'db' | 'clock' | 'config' | 'limits'>) {
  const reports = createReportService(db);
  const cache = createSearchCache({
    ttlSeconds: REPORT_CACHE_SECONDS,
    maxBytes: REPORT_CACHE_BYTES,
    clock,
  });
  const limiter = limits.limiter({
    name: 'public-reports',
    points: config.searchRateLimit,
    durationSeconds: config.searchRateWindowSeconds,
  });
  return { reports, routes: reportRoutes({ reports, cache, limiter, clock }) };
}
