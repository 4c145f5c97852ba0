import type { FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import type { AppKeys, CitizenGuard } from './guard.js';
import {
  confirmOtpBody,
  confirmOtpResponse,
  generateOtpBody,
  generateOtpResponse,
} from './schemas.js';
import type { CitizenAuthService } from './service.js';

/**
 * The citizen OTP login, twice: publicly (`/api/v2/auth/public/...`), and through a
 * registered app (`/api/v2/auth/...`, CoWIN's protected API: the app's `x-api-key`, and the
 * token is bound to that app and key). One handler serves both; where the login started
 * is where it must be confirmed.
 */
export function citizenAuthRoutes({
  db,
  service,
  guard,
  apps,
}: {
  db: Db;
  service: CitizenAuthService;
  guard: CitizenGuard;
  apps: AppKeys;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    for (const [prefix, through, appOf] of [
      // The public login never looks at a key: its tokens are bound to no app.
      ['/api/v2/auth/public', { schema: {} }, () => Promise.resolve(undefined)],
      [
        '/api/v2/auth',
        {
          preHandler: apps.require('citizen:self-service'),
          schema: {
            description: 'Needs a registered app’s `x-api-key` (scope citizen:self-service).',
          },
        },
        (request: FastifyRequest) => apps.appOf(request, 'citizen:self-service'),
      ],
    ] as const) {
      app.post(
        `${prefix}/generateOTP`,
        {
          ...through,
          schema: {
            ...through.schema,
            tags: ['citizen auth'],
            summary: 'Send a login OTP by SMS (CoWIN v2)',
            body: generateOtpBody,
            response: { 200: generateOtpResponse },
          },
        },
        async (request) =>
          service.generateOtp(
            db,
            request.body.mobile,
            requestContext(request),
            await appOf(request),
          ),
      );
      app.post(
        `${prefix}/confirmOTP`,
        {
          ...through,
          schema: {
            ...through.schema,
            tags: ['citizen auth'],
            summary: 'Exchange the SHA-256 of the OTP for a citizen token (CoWIN v2)',
            body: confirmOtpBody,
            response: { 200: confirmOtpResponse },
          },
        },
        async (request) =>
          service.confirmOtp(
            db,
            request.body.otp.toLowerCase(),
            request.body.txnId,
            requestContext(request),
            await appOf(request),
          ),
      );
    }
    app.post(
      '/api/v2/auth/logout',
      {
        schema: {
          tags: ['citizen auth'],
          summary: 'Revoke the bearer token on every node',
        },
        preHandler: guard.preHandler,
      },
      async (request, reply) => {
        const citizen = await guard.requireCitizen(request);
        await service.logout(db, citizen, requestContext(request));
        return reply.code(204).send();
      },
    );
    done();
  };
}
