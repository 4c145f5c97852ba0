import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import type { Db } from '../../db/index.js';
import { districtsParams, districtsResponse, statesResponse } from './schemas.js';
import type { createMasterDataService } from './service.js';

export function masterDataRoutes({
  db,
  service,
}: {
  db: Db;
  service: ReturnType<typeof createMasterDataService>;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/v2/admin/location/states',
      {
        schema: {
          tags: ['locations'],
          summary: 'States and union territories (CoWIN v2)',
          response: { 200: statesResponse },
        },
      },
      () => service.states(db),
    );
    app.get(
      '/api/v2/admin/location/districts/:state_id',
      {
        schema: {
          tags: ['locations'],
          summary: 'Districts of a state (CoWIN v2)',
          params: districtsParams,
          response: { 200: districtsResponse },
        },
      },
      (request) => service.districts(db, request.params.state_id),
    );
    done();
  };
}
