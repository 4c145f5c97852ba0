import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { type Access, staffActor, type StaffPrincipal } from '../staff/access.js';
import { staffOf } from '../staff/authenticate.js';
import type { Role } from '../staff/roles.js';
import type { ClientService } from './clients-service.js';
import {
  alertList,
  clientList,
  clientParams,
  clientView,
  createdApp,
  createdClient,
  newAppBody,
  newClientBody,
  reasonBody,
} from './schemas.js';

/** Who manages partner clients: held for the whole country. */
const MANAGERS: readonly Role[] = ['national-admin', 'partner-manager'];

/**
 * The staff side of partners: register partners and apps, list, rotate a secret or an app's
 * key, revoke a key, revoke, suspend, reinstate, alerts.
 * Changes need a fresh second factor; every one is audited with the staff member as actor.
 */
export function partnerAdminRoutes({
  db,
  clients,
  access,
  authenticate,
  requireStepUp,
}: {
  db: Db;
  clients: ClientService;
  access: Access;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  requireStepUp: (staff: StaffPrincipal, action: string) => void;
}): FastifyPluginCallbackZod {
  const tags = ['partner administration'];
  const base = '/api/v1/admin/partners';
  const allowed = (tx: Db, staff: StaffPrincipal, action: string) =>
    access.require(tx, staff, { roles: MANAGERS, within: 'country', action });

  return (app, _options, done) => {
    app.post(
      `${base}/clients`,
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Register a partner client (partner-manager or national-admin, step-up)',
          body: newClientBody,
          response: { 201: createdClient },
        },
      },
      async (request, reply) => {
        const staff = staffOf(request);
        const action = 'partner.client.create';
        requireStepUp(staff, action);
        const created = await db.transaction().execute(async (tx) => {
          await allowed(tx, staff, action);
          return clients.create(tx, staffActor(staff), request.body, requestContext(request));
        });
        return reply.code(201).send(created);
      },
    );

    app.post(
      `${base}/apps`,
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Register an app (CoWIN v2 x-api-key; partner-manager or national-admin, step-up)',
          body: newAppBody,
          response: { 201: createdApp },
        },
      },
      async (request, reply) => {
        const staff = staffOf(request);
        const action = 'partner.app.create';
        requireStepUp(staff, action);
        const created = await db.transaction().execute(async (tx) => {
          await allowed(tx, staff, action);
          return clients.createApp(tx, staffActor(staff), request.body, requestContext(request));
        });
        return reply.code(201).send(created);
      },
    );

    app.post(
      `${base}/clients/:clientId/rotate-key`,
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'A new API key for an app, shown once; the old key and its citizen tokens stop at once (step-up)',
          params: clientParams,
          response: { 200: createdApp },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        const action = 'partner.app.rotate-key';
        requireStepUp(staff, action);
        return db.transaction().execute(async (tx) => {
          await allowed(tx, staff, action);
          return clients.rotateKey(
            tx,
            staffActor(staff),
            request.params.clientId,
            requestContext(request),
          );
        });
      },
    );

    app.post(
      `${base}/clients/:clientId/revoke-key`,
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Revoke an app’s API key; it and its citizen tokens stop at once, the app stays (step-up)',
          params: clientParams,
          body: reasonBody,
          response: { 200: clientView },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        const action = 'partner.app.revoke-key';
        requireStepUp(staff, action);
        return db.transaction().execute(async (tx) => {
          await allowed(tx, staff, action);
          return clients.revokeKey(
            tx,
            staffActor(staff),
            request.params.clientId,
            request.body.reason,
            requestContext(request),
          );
        });
      },
    );

    app.get(
      `${base}/clients`,
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Every partner client (never a secret)',
          response: { 200: clientList },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        return db.transaction().execute(async (tx) => {
          await allowed(tx, staff, 'partner.client.list');
          return clients.list(tx);
        });
      },
    );

    app.get(
      `${base}/clients/:clientId`,
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'One partner client (never its secret)',
          params: clientParams,
          response: { 200: clientView },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        return db.transaction().execute(async (tx) => {
          await allowed(tx, staff, 'partner.client.get');
          return clients.get(tx, request.params.clientId);
        });
      },
    );

    app.post(
      `${base}/clients/:clientId/rotate-secret`,
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'A new client secret, shown once; the old one and its tokens stop at once (step-up)',
          params: clientParams,
          response: { 200: createdClient },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        const action = 'partner.client.rotate-secret';
        requireStepUp(staff, action);
        return db.transaction().execute(async (tx) => {
          await allowed(tx, staff, action);
          return clients.rotate(
            tx,
            staffActor(staff),
            request.params.clientId,
            requestContext(request),
          );
        });
      },
    );

    for (const [verb, summary] of [
      ['revoke', 'Revoke a client for good (step-up)'],
      ['suspend', 'Suspend a client until reinstated (step-up)'],
      ['reinstate', 'End a suspension, the automatic enumeration stop included (step-up)'],
    ] as const) {
      app.post(
        `${base}/clients/:clientId/${verb}`,
        {
          preHandler: authenticate,
          schema: {
            tags,
            summary,
            params: clientParams,
            body: reasonBody,
            response: { 200: clientView },
          },
        },
        async (request) => {
          const staff = staffOf(request);
          const action = `partner.client.${verb}`;
          requireStepUp(staff, action);
          return db.transaction().execute(async (tx) => {
            await allowed(tx, staff, action);
            return clients[verb](
              tx,
              staffActor(staff),
              request.params.clientId,
              request.body.reason,
              requestContext(request),
            );
          });
        },
      );
    }

    app.get(
      `${base}/alerts`,
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Alerts raised on partner clients (automatic suspensions), newest first',
          response: { 200: alertList },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        return db.transaction().execute(async (tx) => {
          await allowed(tx, staff, 'partner.alert.list');
          return clients.alerts(tx);
        });
      },
    );
    done();
  };
}
