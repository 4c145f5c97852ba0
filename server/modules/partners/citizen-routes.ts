import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import type { CitizenConsents } from './citizen-consents.js';
import { citizenConsentList, consentParams } from './schemas.js';

/** The person's own consents (citizen token): list them, revoke one with effect at once. */
export function citizenConsentRoutes({
  db,
  consents,
  guard,
}: {
  db: Db;
  consents: CitizenConsents;
  guard: CitizenGuard;
}): FastifyPluginCallbackZod {
  const tags = ['consents'];
  return (app, _options, done) => {
    app.get(
      '/api/v1/me/consents',
      {
        preHandler: guard.preHandler,
        schema: {
          tags,
          summary: 'The consents given to partners from this mobile, newest first',
          response: { 200: citizenConsentList },
        },
      },
      async (request) => consents.list(db, await guard.requireCitizen(request)),
    );
    app.post(
      '/api/v1/me/consents/:consentId/revoke',
      {
        preHandler: guard.preHandler,
        schema: {
          tags,
          summary: 'Revoke a consent: the partner’s next read is refused',
          params: consentParams,
        },
      },
      async (request, reply) => {
        const citizen = await guard.requireCitizen(request);
        await consents.revoke(db, citizen, request.params.consentId, requestContext(request));
        return reply.code(204).send();
      },
    );
    done();
  };
}
