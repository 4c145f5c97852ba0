import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { requestContext } from '../../http/context.js';
import { staffOf } from '../staff/authenticate.js';
import type { AefiService } from './aefi-service.js';
import type { DoseService } from './dose-service.js';
import {
  aefiBody,
  aefiReportQuery,
  aefiReportResponse,
  aefiResponse,
  appointmentsQuery,
  appointmentsResponse,
  arrivalBody,
  arrivalResponse,
  centerParams,
  doseBody,
  doseHeaders,
  doseParams,
  doseResponse,
  findQuery,
  findResponse,
  identityBody,
  identityResponse,
  sessionParams,
  walkInBody,
  walkInChoicesResponse,
  walkInResponse,
} from './schemas.js';
import type { VerifierService } from './verifier-service.js';

type Authenticate = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The staff API at the centre: the verifier's desk, dose recording and adverse events. */
export function vaccinationRoutes({
  verifier,
  doses,
  aefi,
  authenticate,
}: {
  verifier: VerifierService;
  doses: DoseService;
  aefi: AefiService;
  authenticate: Authenticate;
}): FastifyPluginCallbackZod {
  const tags = ['vaccinations'];
  return (app, _options, done) => {
    app.get(
      '/api/v1/vaccinations/centres/:centerId/appointments',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'A day’s appointments at a centre, names masked (verifiers of the centre)',
          params: centerParams,
          querystring: appointmentsQuery,
          response: { 200: appointmentsResponse },
        },
      },
      (request) =>
        verifier.today(
          staffOf(request),
          request.params.centerId,
          request.query.date,
          requestContext(request),
        ),
    );

    app.get(
      '/api/v1/vaccinations/centres/:centerId/beneficiaries',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Find a beneficiary expected at this centre today, by reference id or appointment id',
          params: centerParams,
          querystring: findQuery,
          response: { 200: findResponse },
        },
      },
      (request) =>
        verifier.find(
          staffOf(request),
          request.params.centerId,
          request.query,
          requestContext(request),
        ),
    );

    app.post(
      '/api/v1/vaccinations/sessions/:sessionId/identity',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Confirm identity by the last 4 characters of the photo ID shown',
          params: sessionParams,
          body: identityBody,
          response: { 200: identityResponse },
        },
      },
      (request) =>
        verifier.confirmIdentity(
          staffOf(request),
          request.params.sessionId,
          request.body.beneficiary_reference_id,
          request.body.photo_id_last4,
          requestContext(request),
        ),
    );

    app.post(
      '/api/v1/vaccinations/sessions/:sessionId/arrivals',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Mark a beneficiary whose identity was confirmed as arrived',
          params: sessionParams,
          body: arrivalBody,
          response: { 200: arrivalResponse },
        },
      },
      (request) =>
        verifier.arrive(
          staffOf(request),
          request.params.sessionId,
          request.body.beneficiary_reference_id,
          requestContext(request),
        ),
    );

    app.get(
      '/api/v1/vaccinations/centres/:centerId/walk-in-choices',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Photo ID types and genders for the walk-in form (verifiers of the centre)',
          params: centerParams,
          response: { 200: walkInChoicesResponse },
        },
      },
      (request) => verifier.walkInChoices(staffOf(request), request.params.centerId),
    );

    app.post(
      '/api/v1/vaccinations/sessions/:sessionId/walk-ins',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Register a walk-in on site and take a dose 1 seat (sessions allowing walk-ins)',
          params: sessionParams,
          body: walkInBody,
          response: { 201: walkInResponse },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await verifier.walkIn(
              staffOf(request),
              request.params.sessionId,
              request.body,
              requestContext(request),
            ),
          ),
    );

    app.post(
      '/api/v1/vaccinations/doses',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Record a dose and issue its certificate (vaccinators); the same Idempotency-Key and body answer the same',
          headers: doseHeaders,
          body: doseBody,
          response: { 200: doseResponse },
        },
      },
      async (request, reply) => {
        const { answer, replayed } = await doses.record(
          staffOf(request),
          request.headers['idempotency-key'],
          request.body,
          requestContext(request),
        );
        if (replayed) void reply.header('idempotent-replayed', 'true');
        return answer;
      },
    );

    app.post(
      '/api/v1/vaccinations/doses/:doseId/aefi',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Record an adverse event following immunisation against a dose',
          params: doseParams,
          body: aefiBody,
          response: { 201: aefiResponse },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await aefi.record(
              staffOf(request),
              request.params.doseId,
              request.body,
              requestContext(request),
            ),
          ),
    );

    app.get(
      '/api/v1/vaccinations/aefi/report',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Adverse events by vaccine and severity (aggregate only; small counts shown as <5)',
          querystring: aefiReportQuery,
          response: { 200: aefiReportResponse },
        },
      },
      (request) => aefi.report(staffOf(request), request.query, requestContext(request)),
    );
    done();
  };
}
