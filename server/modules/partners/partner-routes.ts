import type { FastifyReply } from 'fastify';
import type { FastifyPluginCallbackZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { Invalid } from '../../http/errors.js';
import type { CertificateModule } from '../certificates/module.js';
import { verifyBody, verifyResponse } from '../certificates/schemas.js';
import { byDistrictQuery, sessionsResponse } from '../facilities/schemas.js';
import type { SearchService } from '../facilities/search.js';
import type { ConsentService } from './consent-service.js';
import { type PartnerGuard, partnerOf } from './guard.js';
import type { ReadService } from './reads-service.js';
import {
  consentArtefact,
  consentCompleteBody,
  consentedReadBody,
  consentRequestBody,
  consentRequestResponse,
  tokenBody,
  tokenResponse,
  vaccinationStatusResponse,
} from './schemas.js';
import { CONSENT_SCOPES } from './scopes.js';
import type { TokenService } from './token-service.js';

const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §3.2: form parameters, each sent at most once. */
function parseForm(text: string): Record<string, string> {
  const params = new URLSearchParams(text);
  const body: Record<string, string> = {};
  for (const [key, value] of params) {
    if (Object.hasOwn(body, key))
      throw new Invalid(`The parameter ${key.slice(0, 40)} is repeated.`);
    body[key] = value;
  }
  return body;
}

/** A cached answer is JSON text already: sent as it is (Fastify serialises only objects). */
const sendSerialised = (reply: FastifyReply, body: string) =>
  reply.type('application/json; charset=utf-8').send(body);

/** The partner-facing API: tokens, consent, consented reads and the public-data scopes. */
export function partnerRoutes({
  db,
  guard,
  tokens,
  consents,
  reads,
  certificates,
  search,
}: {
  db: Db;
  guard: PartnerGuard['guard'];
  tokens: TokenService;
  consents: ConsentService;
  reads: ReadService;
  certificates: Pick<CertificateModule, 'verifyAny'>;
  search: Pick<SearchService, 'findByDistrict'>;
}): FastifyPluginCallbackZod {
  const tags = ['partners'];
  const base = '/api/v1/partners';
  // Made now, before the app registers any route, so that the app can recognise them.
  const guards = {
    consent: guard(...CONSENT_SCOPES),
    status: guard('vaccination-status:consented'),
    certificate: guard('certificate:consented'),
    verify: guard('certificate:verify'),
    availability: guard('availability:read'),
  };
  return (app, _options, done) => {
    void app.register((scoped, _opts, registered) => {
      scoped.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, parsed) => {
        try {
          parsed(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
        } catch (error) {
          parsed(error as Error);
        }
      });
      scoped.withTypeProvider<ZodTypeProvider>().post(
        `${base}/token`,
        {
          config: { firewall: { contentTypes: ['application/json', FORM] } },
          schema: {
            tags,
            summary: 'OAuth 2.0 client credentials: a 5-minute access token (RFC 6749 §4.4)',
            description:
              'Client id and secret in HTTP Basic or in the body (form or JSON). Errors are problem+json with RFC 6749 `error` and `error_description` members.',
            consumes: ['application/json', FORM],
            body: tokenBody,
            response: { 200: tokenResponse },
          },
        },
        async (request, reply) => {
          const issued = await tokens
            .issue(
              db,
              { authorization: request.headers.authorization, ...request.body },
              requestContext(request),
            )
            .catch((error: unknown) => {
              if (request.headers.authorization?.startsWith('Basic ')) {
                void reply.header('www-authenticate', 'Basic realm="teeka-partner"');
              }
              throw error;
            });
          return reply.header('cache-control', 'no-store').send(issued);
        },
      );
      registered();
    });

    app.post(
      `${base}/consents`,
      {
        preHandler: guards.consent,
        schema: {
          tags,
          summary: 'Ask a person for consent: Teeka texts them an OTP naming you and the purpose',
          description:
            'The same answer whether or not the mobile is registered. The token must hold the scope asked for.',
          body: consentRequestBody,
          response: { 202: consentRequestResponse },
        },
      },
      async (request, reply) => {
        const caller = partnerOf(request);
        const sent = await consents.request(db, caller, request.body, requestContext(request));
        return reply.code(202).send(sent);
      },
    );

    app.post(
      `${base}/consents/complete`,
      {
        preHandler: guards.consent,
        schema: {
          tags,
          summary: 'Complete a consent with the OTP the person read out: the consent artefact',
          body: consentCompleteBody,
          response: { 201: consentArtefact },
        },
      },
      async (request, reply) => {
        const artefact = await consents.complete(
          db,
          partnerOf(request),
          request.body,
          requestContext(request),
        );
        return reply.code(201).send(artefact);
      },
    );

    app.post(
      `${base}/vaccination-status`,
      {
        preHandler: guards.status,
        schema: {
          tags,
          summary: 'KYC-VS: 0 not, 1 partially, 2 fully vaccinated, and the certificate name',
          body: consentedReadBody,
          response: { 200: vaccinationStatusResponse },
        },
      },
      (request) =>
        reads.vaccinationStatus(db, partnerOf(request), request.body, requestContext(request)),
    );

    app.post(
      `${base}/certificate`,
      {
        preHandler: guards.certificate,
        schema: {
          tags,
          summary: 'The signed certificate of the consenting person, and its QR text',
          body: consentedReadBody,
          response: {
            200: z.object({
              certificate_id: z.string(),
              certificate: z.record(z.string(), z.unknown()),
              qr_text: z.string(),
            }),
          },
        },
      },
      (request) => reads.certificate(db, partnerOf(request), request.body, requestContext(request)),
    );

    app.post(
      `${base}/certificates/verify`,
      {
        preHandler: guards.verify,
        schema: {
          tags,
          summary: 'Verify the text of a certificate QR code (what the QR itself holds)',
          body: verifyBody,
          response: { 200: verifyResponse },
        },
      },
      (request) => certificates.verifyAny(db, request.body.qr),
    );

    app.get(
      `${base}/availability/findByDistrict`,
      {
        preHandler: guards.availability,
        schema: {
          tags,
          summary: 'Sessions in a district on one day, at partner quotas (CoWIN v2 shape)',
          querystring: byDistrictQuery,
          response: { 200: sessionsResponse },
        },
      },
      async (request, reply) => {
        const { district_id: districtId, date, vaccine } = request.query;
        const answer = await search.findByDistrict(districtId, date, { vaccine });
        return sendSerialised(reply, answer.body);
      },
    );
    done();
  };
}
