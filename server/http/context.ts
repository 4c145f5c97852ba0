import type { FastifyRequest } from 'fastify';

import type { RequestContext } from '../modules/audit/service.js';

export function requestContext(request: FastifyRequest): RequestContext {
  return { requestId: request.id, clientIp: request.ip };
}
