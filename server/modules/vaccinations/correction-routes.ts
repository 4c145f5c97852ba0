import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { requestContext } from '../../http/context.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import { staffOf } from '../staff/authenticate.js';
import type { CorrectionService } from './corrections-service.js';
import {
  correctionBody,
  correctionCreated,
  decisionResponse,
  myCorrectionsResponse,
  pendingQuery,
  pendingResponse,
  rejectBody,
  requestParams,
} from './schemas.js';

/** Certificate corrections: citizens ask (their own beneficiaries), district admins decide. */
export function correctionRoutes({
  corrections,
  guard,
  authenticate,
}: {
  corrections: CorrectionService;
  guard: CitizenGuard;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.post(
      '/api/v1/me/corrections',
      {
        preHandler: guard.preHandler,
        schema: {
          tags: ['corrections'],
          summary: 'Ask to correct a vaccinated beneficiary’s name, birth year, gender or photo ID',
          body: correctionBody,
          response: { 201: correctionCreated },
        },
      },
      async (request, reply) => {
        const citizen = await guard.requireCitizen(request);
        return reply
          .code(201)
          .send(await corrections.request(citizen, request.body, requestContext(request)));
      },
    );

    app.get(
      '/api/v1/me/corrections',
      {
        preHandler: guard.preHandler,
        schema: {
          tags: ['corrections'],
          summary: 'The caller’s correction requests and their status',
          response: { 200: myCorrectionsResponse },
        },
      },
      async (request) => corrections.mine(await guard.requireCitizen(request)),
    );

    app.get(
      '/api/v1/vaccinations/corrections',
      {
        preHandler: authenticate,
        schema: {
          tags: ['corrections'],
          summary: 'Pending correction requests of a district, masked (its district admins)',
          querystring: pendingQuery,
          response: { 200: pendingResponse },
        },
      },
      (request) =>
        corrections.pending(staffOf(request), request.query.district_id, requestContext(request)),
    );

    app.post(
      '/api/v1/vaccinations/corrections/:requestId/approve',
      {
        preHandler: authenticate,
        schema: {
          tags: ['corrections'],
          summary:
            'Approve (step-up): correct the record, issue a corrected certificate, revoke the old',
          params: requestParams,
          response: { 200: decisionResponse },
        },
      },
      (request) =>
        corrections.approve(staffOf(request), request.params.requestId, requestContext(request)),
    );

    app.post(
      '/api/v1/vaccinations/corrections/:requestId/reject',
      {
        preHandler: authenticate,
        schema: {
          tags: ['corrections'],
          summary: 'Reject a correction request, optionally saying why (shown to the citizen)',
          params: requestParams,
          body: rejectBody,
          response: { 200: decisionResponse },
        },
      },
      (request) =>
        corrections.reject(
          staffOf(request),
          request.params.requestId,
          request.body.reason,
          requestContext(request),
        ),
    );
    done();
  };
}
