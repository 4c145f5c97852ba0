import type { FastifyInstance } from 'fastify';

import type { Config } from '../../config.js';
import type { Limits } from '../../platform/limits.js';
import { registerFirewall } from './firewall.js';
import { registerSecurityHeaders } from './headers.js';
import { applyConnectionLimits } from './server-options.js';
import { registerLoadShedding } from './shedding.js';

export type { RouteFirewall } from './policy.js';
export { edgeServerOptions } from './server-options.js';

/**
 * Edge protection for every route, registered once before any route. The order is the
 * order of the checks: headers first (so refusals carry them too), then load shedding,
 * the per-IP budget and the firewall, all before the body is parsed.
 */
export async function registerEdge(
  app: FastifyInstance,
  { config, limits }: { config: Config; limits: Limits },
) {
  applyConnectionLimits(app.server, config);
  await registerSecurityHeaders(app);
  await registerLoadShedding(app, config.edge);
  registerFirewall(app, { edge: config.edge, limits });
}
