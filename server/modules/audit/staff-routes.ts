import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { NotFound } from '../../http/errors.js';
import { type Access, staffActor } from '../staff/access.js';
import { staffOf } from '../staff/authenticate.js';
import type { Role } from '../staff/roles.js';
import type { AuditTrail } from './module.js';
import { trailQuery, trailResponse } from './schemas.js';
import type { AuditService } from './service.js';

/** The whole trail is national: auditors and national admins of the country read it. */
const READERS: readonly Role[] = ['auditor', 'national-admin'];
/** How long a checkpoint on demand waits for records other transactions are still settling. */
const CHECKPOINT_WAIT_MS = 2000;

const size = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, { error: 'a tree size from 1 to 999999999999999' })
  .transform(Number);
const hex = z.string();

const checkpointResponse = z.object({
  format: z.string(),
  treeSize: z.number().int(),
  rootHash: hex,
  issuedAt: z.string(),
  keyId: z.string(),
  signature: z.string(),
});
const inclusionResponse = z.object({
  recordId: z.number().int(),
  leafIndex: z.number().int(),
  treeSize: z.number().int(),
  leafHash: hex,
  path: z.array(hex),
  rootHash: hex,
});
const consistencyResponse = z.object({
  from: z.number().int(),
  to: z.number().int(),
  fromRoot: hex,
  toRoot: hex,
  proof: z.array(hex),
});

/**
 * The audit trail over the staff API: its records for `auditor`; proofs and checkpoints for `auditor` and
 * `national-admin` (held for the whole country), signing a checkpoint now for national
 * admins with a fresh second factor.
 */
export function auditStaffRoutes({
  db,
  trail,
  audit,
  access,
  authenticate,
  requireStepUp,
}: {
  db: Db;
  trail: AuditTrail;
  audit: AuditService;
  access: Access;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  requireStepUp: (staff: ReturnType<typeof staffOf>, action: string) => void;
}): FastifyPluginCallbackZod {
  const reader = (tx: Db, request: FastifyRequest, action: string) =>
    access.require(tx, staffOf(request), { roles: READERS, within: 'country', action });
  const tags = ['audit'];

  return (app, _options, done) => {
    app.get(
      '/api/v1/audit/records',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'A page of the audit trail, newest first, filtered by time, action, actor or subject (auditor)',
          querystring: trailQuery,
          response: { 200: trailResponse },
        },
      },
      (request) =>
        db.transaction().execute(async (tx) => {
          const staff = staffOf(request);
          // The trail names every actor: auditors alone read it, and each read is recorded.
          await access.require(tx, staff, {
            roles: ['auditor'],
            within: 'country',
            action: 'audit.trail.read',
          });
          return audit.readTrail(tx, staffActor(staff), request.query, requestContext(request));
        }),
    );

    app.get(
      '/api/v1/audit/records/:recordId/inclusion-proof',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'RFC 9162 inclusion proof of one audit record (auditor, national-admin)',
          params: z.strictObject({ recordId: size }),
          querystring: z.strictObject({ tree_size: size.optional() }),
          response: { 200: inclusionResponse },
        },
      },
      (request) =>
        db.transaction().execute(async (tx) => {
          await reader(tx, request, 'audit.proof.inclusion');
          return trail.tree.inclusionProof(tx, request.params.recordId, request.query.tree_size);
        }),
    );

    app.get(
      '/api/v1/audit/consistency-proof',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'RFC 9162 consistency proof between two tree sizes (auditor, national-admin)',
          querystring: z.strictObject({ from: size, to: size }),
          response: { 200: consistencyResponse },
        },
      },
      (request) =>
        db.transaction().execute(async (tx) => {
          await reader(tx, request, 'audit.proof.consistency');
          return trail.tree.consistencyProof(tx, request.query.from, request.query.to);
        }),
    );

    app.get(
      '/api/v1/audit/checkpoints/latest',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'The latest signed checkpoint (auditor, national-admin)',
          response: { 200: checkpointResponse },
        },
      },
      (request) =>
        db.transaction().execute(async (tx) => {
          await reader(tx, request, 'audit.checkpoint.read');
          const latest = await trail.tree.latestCheckpoint(tx);
          if (!latest)
            throw new NotFound('No checkpoint has been signed yet.', 'audit-no-checkpoint');
          return latest;
        }),
    );

    app.post(
      '/api/v1/audit/checkpoints',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Sign a checkpoint now (national-admin, step-up)',
          response: { 200: checkpointResponse },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        await db.transaction().execute(async (tx) => {
          await access.require(tx, staff, {
            roles: ['national-admin'],
            within: 'country',
            action: 'audit.checkpoint.create',
          });
          requireStepUp(staff, 'audit.checkpoint.create');
          await audit.record(
            tx,
            { actor: staffActor(staff), action: 'audit.checkpoint.create', outcome: 'allowed' },
            requestContext(request),
          );
        });
        const checkpoint = await trail.checkpointNow({ waitMs: CHECKPOINT_WAIT_MS });
        if (!checkpoint) throw new NotFound('The audit trail has no records yet.', 'audit-empty');
        return checkpoint;
      },
    );
    done();
  };
}
