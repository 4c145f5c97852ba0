import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { type Access, staffActor, type StaffPrincipal } from '../staff/access.js';
import { staffOf } from '../staff/authenticate.js';
import type { Role } from '../staff/roles.js';
import type { SearchCache } from './cache.js';
import {
  centreChangesInput,
  managedCentresResponse,
  newCentreInput,
  newSessionInput,
  SESSION_ID,
  sessionChangesInput,
} from './schemas.js';
import type { FacilityService } from './service.js';

/** Who creates centres: admins of the centre's district or above. */
const CENTRE_CREATORS: readonly Role[] = ['national-admin', 'state-admin', 'district-admin'];
/** Who changes a centre and its sessions: those, and the centre's own facility admins. */
const CENTRE_MANAGERS: readonly Role[] = [...CENTRE_CREATORS, 'facility-admin'];

const centerParams = z.strictObject({
  centerId: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, { error: 'a centre id from 1 to 999999999' })
    .transform(Number),
});

const sessionParams = z.strictObject({
  sessionId: z.string().regex(SESSION_ID, { error: 'a session id (UUID)' }),
});

/**
 * Staff management of centres and sessions through the facilities service, each behind the
 * one access guard with the centre (or, for a new centre, its district) as the target.
 */
export function facilityStaffRoutes({
  db,
  service,
  cache,
  access,
  authenticate,
}: {
  db: Db;
  service: FacilityService;
  cache: SearchCache;
  access: Access;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}): FastifyPluginCallbackZod {
  const tags = ['facilities'];
  /** Refused, and the refusal recorded, unless the caller manages the centre. */
  const requireManager = (tx: Db, staff: StaffPrincipal, centerId: number, action: string) =>
    access.require(tx, staff, { roles: CENTRE_MANAGERS, within: { centerId }, action });
  /** As requireManager, for a session's centre (NotFound for an unknown session). */
  const requireSessionManager = async (
    tx: Db,
    staff: StaffPrincipal,
    sessionId: string,
    action: string,
  ) => requireManager(tx, staff, (await service.getSession(tx, sessionId)).center_id, action);
  return (app, _options, done) => {
    app.get(
      '/api/v1/facilities/centres/mine',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'The centres the caller manages as facility admin, with sessions from today',
          response: { 200: managedCentresResponse },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        const mine = [
          ...new Set(
            staff.grants.flatMap((g) =>
              g.role === 'facility-admin' && g.centerId !== null ? [g.centerId] : [],
            ),
          ),
        ];
        return db.transaction().execute(async (tx) => {
          if (mine.length > 0) {
            await access.require(tx, staff, {
              roles: ['facility-admin'],
              within: mine.map((centerId) => ({ centerId })),
              action: 'facilities.centre.list',
            });
          }
          return service.managedCentres(tx, mine);
        });
      },
    );

    app.get(
      '/api/v1/facilities/centres/:centerId/managed',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'One centre as its managers edit it, with its sessions from today (its facility admins, or admins above)',
          params: centerParams,
          response: { 200: managedCentresResponse },
        },
      },
      (request) => {
        const staff = staffOf(request);
        const { centerId } = request.params;
        return db.transaction().execute(async (tx) => {
          await requireManager(tx, staff, centerId, 'facilities.centre.read');
          return service.managedCentres(tx, [centerId]);
        });
      },
    );

    app.post(
      '/api/v1/facilities/centres',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Create a centre in a district (district, state or national admin)',
          body: newCentreInput,
          response: { 201: z.object({ center_id: z.number().int() }) },
        },
      },
      async (request, reply) => {
        const staff = staffOf(request);
        const centerId = await db.transaction().execute(async (tx) => {
          await access.require(tx, staff, {
            roles: CENTRE_CREATORS,
            within: { districtId: request.body.district_id },
            action: 'facilities.centre.create',
          });
          return service.createCentre(tx, request.body, staffActor(staff), requestContext(request));
        });
        return reply.code(201).send({ center_id: centerId });
      },
    );

    app.patch(
      '/api/v1/facilities/centres/:centerId',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Change a centre’s details (its facility admins, or admins above)',
          params: centerParams,
          body: centreChangesInput,
          response: { 200: z.object({ center_id: z.number().int() }) },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        const { centerId } = request.params;
        await db.transaction().execute(async (tx) => {
          await requireManager(tx, staff, centerId, 'facilities.centre.update');
          await service.updateCentre(
            tx,
            centerId,
            request.body,
            staffActor(staff),
            requestContext(request),
          );
        });
        cache.invalidateCentre(centerId);
        return { center_id: centerId };
      },
    );

    app.post(
      '/api/v1/facilities/centres/:centerId/sessions',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Create a vaccination session at a centre (its facility admins, or admins above)',
          params: centerParams,
          body: newSessionInput.omit({ center_id: true }),
          response: { 201: z.object({ session_id: z.string() }) },
        },
      },
      async (request, reply) => {
        const staff = staffOf(request);
        const { centerId } = request.params;
        const sessionId = await db.transaction().execute(async (tx) => {
          await requireManager(tx, staff, centerId, 'facilities.session.create');
          return service.createSession(
            tx,
            { ...request.body, center_id: centerId },
            staffActor(staff),
            requestContext(request),
          );
        });
        cache.invalidateCentre(centerId);
        return reply.code(201).send({ session_id: sessionId });
      },
    );
    app.patch(
      '/api/v1/facilities/sessions/:sessionId',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Change a session’s ages, seats or slots (its centre’s facility admins, or admins above)',
          params: sessionParams,
          body: sessionChangesInput,
          response: { 200: z.object({ session_id: z.string() }) },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        const { sessionId } = request.params;
        await db.transaction().execute(async (tx) => {
          await requireSessionManager(tx, staff, sessionId, 'facilities.session.update');
          await service.updateSession(
            tx,
            sessionId,
            request.body,
            staffActor(staff),
            requestContext(request),
          );
        });
        cache.invalidateSession(sessionId);
        return { session_id: sessionId };
      },
    );
    app.post(
      '/api/v1/facilities/sessions/:sessionId/close',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Close a session to new bookings; bookings made stay (its centre’s facility admins, or admins above)',
          params: sessionParams,
          response: { 200: z.object({ session_id: z.string() }) },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        const { sessionId } = request.params;
        await db.transaction().execute(async (tx) => {
          await requireSessionManager(tx, staff, sessionId, 'facilities.session.close');
          await service.closeSession(tx, sessionId, staffActor(staff), requestContext(request));
        });
        cache.invalidateSession(sessionId);
        return { session_id: sessionId };
      },
    );
    done();
  };
}
