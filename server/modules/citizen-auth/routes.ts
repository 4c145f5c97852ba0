import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import type { CitizenGuard } from './guard.js';
import {
  confirmOtpBody,
  confirmOtpResponse,
  generateOtpBody,
  generateOtpResponse,
} from './schemas.js';
import type { CitizenAuthService } from './service.js';

export function citizenAuthRoutes({
  db,
  service,
  guard,
}: {
  db: Db;
  service: CitizenAuthService;
  guard: CitizenGuard;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.post(
      '/api/v2/auth/public/generateOTP',
      {
        schema: {
          tags: ['citizen auth'],
          summary: 'Send a login OTP by SMS (CoWIN v2)',
          body: generateOtpBody,
          response: { 200: generateOtpResponse },
        },
      },
      (request) => service.generateOtp(db, request.body.mobile, requestContext(request)),
    );
    app.post(
      '/api/v2/auth/public/confirmOTP',
      {
        schema: {
          tags: ['citizen auth'],
          summary: 'Exchange the SHA-256 of the OTP for a citizen token (CoWIN v2)',
          body: confirmOtpBody,
          response: { 200: confirmOtpResponse },
        },
      },
      (request) =>
        service.confirmOtp(
          db,
          request.body.otp.toLowerCase(),
          request.body.txnId,
          requestContext(request),
        ),
    );
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
