import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import {
  beneficiariesResponse,
  deleteBeneficiaryBody,
  gendersResponse,
  idTypesResponse,
  newBeneficiaryBody,
  newBeneficiaryResponse,
} from './schemas.js';
import type { BeneficiaryService } from './service.js';

export function beneficiaryRoutes({
  db,
  service,
  guard,
}: {
  db: Db;
  service: BeneficiaryService;
  guard: CitizenGuard;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    const citizenOnly = { preHandler: guard.preHandler };

    app.get(
      '/api/v2/registration/beneficiary/idTypes',
      {
        ...citizenOnly,
        schema: {
          tags: ['beneficiaries'],
          summary: 'Photo ID types (CoWIN v2)',
          response: { 200: idTypesResponse },
        },
      },
      () => service.idTypes(db),
    );
    app.get(
      '/api/v2/registration/beneficiary/genders',
      {
        ...citizenOnly,
        schema: {
          tags: ['beneficiaries'],
          summary: 'Genders (CoWIN v2)',
          response: { 200: gendersResponse },
        },
      },
      () => service.genders(db),
    );
    app.post(
      '/api/v2/registration/beneficiary/new',
      {
        schema: {
          tags: ['beneficiaries'],
          summary: 'Register a beneficiary under the caller’s mobile (CoWIN v2)',
          body: newBeneficiaryBody,
          response: { 200: newBeneficiaryResponse },
        },
      },
      async (request) =>
        service.register(
          db,
          await guard.requireCitizen(request),
          request.body,
          requestContext(request),
        ),
    );
    app.get(
      '/api/v2/appointment/beneficiaries',
      {
        schema: {
          tags: ['beneficiaries'],
          summary: 'The caller’s beneficiaries, masked (CoWIN v2)',
          response: { 200: beneficiariesResponse },
        },
        ...citizenOnly,
      },
      async (request) => service.list(db, await guard.requireCitizen(request)),
    );
    app.post(
      '/api/v2/registration/beneficiary/delete',
      {
        schema: {
          tags: ['beneficiaries'],
          summary: 'Delete one of the caller’s beneficiaries who has had no dose (CoWIN v2)',
          body: deleteBeneficiaryBody,
        },
      },
      async (request, reply) => {
        await service.remove(
          db,
          await guard.requireCitizen(request),
          request.body.beneficiary_reference_id,
          requestContext(request),
        );
        return reply.code(204).send();
      },
    );
    done();
  };
}
