import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { ifNoneMatch } from '../../http/etag.js';
import type { Clock } from '../../platform/clock.js';
import type { Limiter } from '../../platform/limits.js';
import type { CachedAnswer } from './cache.js';
import {
  byCentreQuery,
  byDistrictQuery,
  byLatLongQuery,
  byPinQuery,
  calendarByCentreResponse,
  calendarResponse,
  nearbyResponse,
  sessionsResponse,
} from './schemas.js';
import type { SearchService } from './search.js';

const SESSIONS = '/api/v2/appointment/sessions/public';
/** CoWIN v2's protected availability paths: the same answers, for a registered app's key. */
const APP_SESSIONS = '/api/v2/appointment/sessions';

/**
 * The public availability search: no login, CoWIN v2 paths and shapes, per-IP limits.
 * Answers are sent as the cache holds them (serialised once), with an ETag and a
 * Cache-Control no longer than the node's own freshness, so a CDN in front can absorb
 * repeated polling without ever holding an answer longer than the node would.
 */
export function facilitiesRoutes({
  search,
  limiter,
  clock,
  appKey,
}: {
  search: SearchService;
  limiter: Limiter;
  clock: Clock;
  /** The x-api-key guard (scope availability:read) of the protected paths. */
  appKey: (request: FastifyRequest) => Promise<void>;
}): FastifyPluginCallbackZod {
  const send = (request: FastifyRequest, reply: FastifyReply, answer: CachedAnswer) => {
    const maxAge = Math.ceil((answer.expiresAt - clock.now().getTime()) / 1000);
    void reply
      .header('cache-control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache')
      .header('etag', answer.etag);
    if (ifNoneMatch(request.headers['if-none-match'], answer.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(answer.body);
  };

  return (app, _options, done) => {
    // Counted before validation, so hammering with bad input spends the same budget. An
    // app's calls count against its own quotas instead (its guard), not its address.
    app.addHook('onRequest', async (request) => {
      const url = request.routeOptions.url ?? '';
      if (url.startsWith(`${APP_SESSIONS}/`) && !url.startsWith(`${SESSIONS}/`)) return;
      await limiter.consumeOrThrow(
        request.ip,
        1,
        'Too many searches from this address; try again later.',
      );
    });

    const tags = ['public search'];
    for (const [base, options] of [
      [SESSIONS, { schema: {} }],
      [
        APP_SESSIONS,
        {
          preHandler: appKey,
          schema: {
            description:
              'Needs a registered app’s `x-api-key` (scope availability:read); the public answer.',
          },
        },
      ],
    ] as const) {
      app.get(
        `${base}/findByPin`,
        {
          ...options,
          schema: {
            ...options.schema,
            tags,
            summary: 'Sessions at centres with this PIN code on one day (CoWIN v2)',
            querystring: byPinQuery,
            response: { 200: sessionsResponse },
          },
        },
        async (request, reply) => {
          const { pincode, date, vaccine } = request.query;
          return send(request, reply, await search.findByPin(pincode, date, { vaccine }));
        },
      );
      app.get(
        `${base}/findByDistrict`,
        {
          ...options,
          schema: {
            ...options.schema,
            tags,
            summary: 'Sessions in a district on one day (CoWIN v2)',
            querystring: byDistrictQuery,
            response: { 200: sessionsResponse },
          },
        },
        async (request, reply) => {
          const { district_id, date, vaccine } = request.query;
          return send(request, reply, await search.findByDistrict(district_id, date, { vaccine }));
        },
      );
      app.get(
        `${base}/calendarByPin`,
        {
          ...options,
          schema: {
            ...options.schema,
            tags,
            summary:
              'Centres with this PIN code and their sessions for 7 days from date (CoWIN v2)',
            querystring: byPinQuery,
            response: { 200: calendarResponse },
          },
        },
        async (request, reply) => {
          const { pincode, date, vaccine } = request.query;
          return send(request, reply, await search.calendarByPin(pincode, date, { vaccine }));
        },
      );
      app.get(
        `${base}/calendarByDistrict`,
        {
          ...options,
          schema: {
            ...options.schema,
            tags,
            summary: "A district's centres and their sessions for 7 days from date (CoWIN v2)",
            querystring: byDistrictQuery,
            response: { 200: calendarResponse },
          },
        },
        async (request, reply) => {
          const { district_id, date, vaccine } = request.query;
          return send(
            request,
            reply,
            await search.calendarByDistrict(district_id, date, { vaccine }),
          );
        },
      );
      app.get(
        `${base}/calendarByCenter`,
        {
          ...options,
          schema: {
            ...options.schema,
            tags,
            summary:
              'One centre and its sessions for 7 days from date; {} when it has none (CoWIN v2)',
            querystring: byCentreQuery,
            response: { 200: calendarByCentreResponse },
          },
        },
        async (request, reply) => {
          const { center_id, date, vaccine } = request.query;
          return send(request, reply, await search.calendarByCenter(center_id, date, { vaccine }));
        },
      );
    }
    app.get(
      '/api/v2/appointment/centers/public/findByLatLong',
      {
        schema: {
          tags,
          summary: 'Active centres nearest to a point, within 50 km, with distance (CoWIN v2)',
          querystring: byLatLongQuery,
          response: { 200: nearbyResponse },
        },
      },
      async (request, reply) => {
        const { lat, long } = request.query;
        return send(request, reply, await search.findByLatLong(lat, long));
      },
    );
    done();
  };
}
