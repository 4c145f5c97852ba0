import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Db } from '../../db/index.js';
import { problemCodeOf } from '../../http/problem.js';
import type { AuditActor, AuditService } from './service.js';

const actors = new WeakMap<FastifyRequest, AuditActor>();

/**
 * Auth guards call this as soon as they know who is calling, so that a request they or a
 * later check refuse is recorded against that actor.
 */
export function rememberActor(request: FastifyRequest, actor: AuditActor): void {
  actors.set(request, actor);
}

/**
 * Records a 401/403 answer. It runs in a transaction of its own: the refused action's
 * transaction, if any, has rolled back and taken its records with it.
 */
export async function recordDenied(
  db: Db,
  audit: AuditService,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const route = request.routeOptions.url ?? '(no route)';
  await db.transaction().execute((tx) =>
    audit.record(
      tx,
      {
        actor: actors.get(request) ?? { type: 'anonymous' },
        action: 'http.denied',
        outcome: 'denied',
        reason: problemCodeOf(reply) ?? `http-${reply.statusCode}`,
        details: { method: request.method, route, status: reply.statusCode },
      },
      { requestId: request.id, clientIp: request.ip },
    ),
  );
}
