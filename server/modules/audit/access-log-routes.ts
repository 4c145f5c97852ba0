import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { Db } from '../../db/index.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import type { AuditService } from './service.js';

const entry = z.object({
  at: z.string(),
  action: z.string(),
  outcome: z.enum(['allowed', 'denied', 'failed']),
  reason: z.string().nullable(),
  actor: z.object({
    type: z.enum(['citizen', 'staff', 'partner', 'system', 'anonymous']),
    role: z.string().nullable(),
    organisation: z.string().nullable(),
  }),
});
const accessLogResponse = z.object({
  beneficiaries: z.array(
    z.object({ beneficiary_reference_id: z.string(), events: z.array(entry) }),
  ),
});

/**
 * "Who accessed my data": for each of the caller's own beneficiaries, every audited read or
 * change of their record, newest first, naming the actor's role and organisation only.
 * The references come from the caller's own beneficiary list, never from the request.
 */
export function accessLogRoutes({
  db,
  audit,
  beneficiaries,
  guard,
}: {
  db: Db;
  audit: AuditService;
  beneficiaries: BeneficiaryService;
  guard: CitizenGuard;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/v1/me/access-log',
      {
        preHandler: guard.preHandler,
        schema: {
          tags: ['beneficiaries'],
          summary: 'Who read or changed the caller’s beneficiaries’ records, when and why',
          response: { 200: accessLogResponse },
        },
      },
      async (request) => {
        const citizen = await guard.requireCitizen(request);
        const refs = (await beneficiaries.list(db, citizen)).beneficiaries.map(
          (b) => b.beneficiary_reference_id,
        );
        const entries = await db.transaction().execute((tx) => audit.accessLog(tx, refs));
        return {
          beneficiaries: refs.map((ref) => ({
            beneficiary_reference_id: ref,
            events: entries
              .filter((e) => e.beneficiaryRef === ref)
              .map(({ beneficiaryRef: _ref, ...event }) => event),
          })),
        };
      },
    );
    done();
  };
}
