import type { FastifyRequest } from 'fastify';

import type { RequestContext } from '../modules/audit/service.js';

export function requestContext(request: FastifyRequest): RequestContext {
  const app = request.registeredApp?.clientId;
  return { requestId: request.id, clientIp: request.ip, ...(app ? { app } : {}) };
}
