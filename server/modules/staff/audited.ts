import type { FastifyInstance } from 'fastify';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import type { AppError } from '../../http/errors.js';
import type { AuditEvent, AuditService } from '../audit/service.js';

/**
 * Refusals must leave a trace, but the action's transaction rolls back with the error
 * that refuses it. So a refusal carries its audit event, and an onError hook records it
 * after the rollback, in a transaction of its own. (PGlite runs one transaction at a time:
 * recording from inside the failing transaction on another handle would hang.)
 */
const EVENT = Symbol('audit-event');

type WithEvent = AppError & { [EVENT]?: AuditEvent };

export function withAudit<E extends AppError>(error: E, event: AuditEvent): E {
  (error as WithEvent)[EVENT] = event;
  return error;
}

export function auditEventOf(error: unknown): AuditEvent | undefined {
  return typeof error === 'object' && error !== null ? (error as WithEvent)[EVENT] : undefined;
}

/** Installs the hook on the root app, so that refusals from every module are recorded. */
export function recordRefusals(app: FastifyInstance, db: Db, audit: AuditService) {
  app.addHook('onError', async (request, _reply, error) => {
    const event = auditEventOf(error);
    if (!event) return;
    await db.transaction().execute((tx) => audit.record(tx, event, requestContext(request)));
  });
}
