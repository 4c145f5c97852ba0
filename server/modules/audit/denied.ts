import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import type { AppError } from '../../http/errors.js';
import { problemCodeOf } from '../../http/problem.js';
import type { AuditActor, AuditEvent, AuditService } from './service.js';

/**
 * Every refused request leaves exactly one trace. A refusal's action rolls back with the
 * error that refuses it, so refusals are recorded in a transaction of their own, by one of:
 * - the refusal's own event, attached to the error with `withAudit` (the richest record);
 * - the module itself, which recorded and committed the refusal before throwing
 *   (`alreadyRecorded`), e.g. a spent OTP try that must be kept;
 * - otherwise, for any 401/403 answer, a generic `http.denied` record with the route
 *   pattern (never the concrete path), the problem code and the actor if a guard knew it.
 */
const EVENT = Symbol('audit-event');
const RECORDED = Symbol('audit-recorded');

interface Marks {
  [EVENT]?: AuditEvent;
  [RECORDED]?: true;
}
type Marked = AppError & Marks;

export function withAudit<E extends AppError>(error: E, event: AuditEvent): E {
  (error as Marked)[EVENT] = event;
  return error;
}

export function alreadyRecorded<E extends AppError>(error: E): E {
  (error as Marked)[RECORDED] = true;
  return error;
}

const actors = new WeakMap<FastifyRequest, AuditActor>();
const handled = new WeakSet<FastifyRequest>();

/**
 * Auth guards call this as soon as they know who is calling, so that a request they or a
 * later check refuse is recorded against that actor.
 */
export function rememberActor(request: FastifyRequest, actor: AuditActor): void {
  actors.set(request, actor);
}

export function recordRefusals(app: FastifyInstance, db: Db, audit: AuditService): void {
  app.addHook('onError', async (request, _reply, error) => {
    const marked = error as Marks;
    if (marked[RECORDED]) {
      handled.add(request);
      return;
    }
    const event = marked[EVENT];
    if (!event) return;
    handled.add(request);
    await db.transaction().execute((tx) => audit.record(tx, event, requestContext(request)));
  });

  app.addHook('onSend', async (request, reply) => {
    if ((reply.statusCode !== 401 && reply.statusCode !== 403) || handled.has(request)) return;
    const route = request.routeOptions.url ?? '(no route)';
    try {
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
          requestContext(request),
        ),
      );
    } catch (error) {
      request.log.error({ err: error }, 'recording a denied request failed');
    }
  });
}
