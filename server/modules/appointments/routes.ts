import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { requestContext } from '../../http/context.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import {
  cancelBody,
  confirmationResponse,
  rescheduleBody,
  scheduleBody,
  slipQuery,
} from './schemas.js';
import type { AppointmentService } from './service.js';
import { renderAppointmentSlip } from './slip.js';

export function appointmentRoutes({
  service,
  guard,
}: {
  service: AppointmentService;
  guard: CitizenGuard;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    const citizenOnly = { preHandler: guard.preHandler };

    app.post(
      '/api/v2/appointment/schedule',
      {
        ...citizenOnly,
        schema: {
          tags: ['appointments'],
          summary: 'Book a session slot for up to 4 of the caller’s beneficiaries (CoWIN v2)',
          body: scheduleBody,
          response: { 200: confirmationResponse },
        },
      },
      async (request) =>
        service.schedule(
          await guard.requireCitizen(request),
          request.body,
          requestContext(request),
        ),
    );
    app.post(
      '/api/v2/appointment/reschedule',
      {
        ...citizenOnly,
        schema: {
          tags: ['appointments'],
          summary: 'Move an open appointment to another session or slot (CoWIN v2)',
          body: rescheduleBody,
        },
      },
      async (request, reply) => {
        await service.reschedule(
          await guard.requireCitizen(request),
          request.body,
          requestContext(request),
        );
        return reply.code(204).send();
      },
    );
    app.post(
      '/api/v2/appointment/cancel',
      {
        ...citizenOnly,
        schema: {
          tags: ['appointments'],
          summary: 'Cancel an appointment for some of its beneficiaries (CoWIN v2)',
          body: cancelBody,
        },
      },
      async (request, reply) => {
        await service.cancel(
          await guard.requireCitizen(request),
          request.body,
          requestContext(request),
        );
        return reply.code(204).send();
      },
    );
    app.get(
      '/api/v2/appointment/appointmentslip/download',
      {
        ...citizenOnly,
        schema: {
          tags: ['appointments'],
          summary: 'The appointment slip as a PDF (CoWIN v2)',
          querystring: slipQuery,
        },
      },
      async (request, reply) => {
        const rows = await service.slip(
          await guard.requireCitizen(request),
          request.query.appointment_id,
        );
        return reply
          .type('application/pdf')
          .header('content-disposition', 'attachment; filename="appointment-slip.pdf"')
          .header('cache-control', 'no-store')
          .send(await renderAppointmentSlip(rows));
      },
    );
    done();
  };
}
