import { z } from 'zod';

import type { App } from '../../server/http/app.js';
import { Unauthorized } from '../../server/http/errors.js';

/**
 * Routes of the shape the domain modules add (a JSON body with a strict schema, an
 * authenticated one), registered before the OpenAPI document is read, so that the body
 * and token cases of the suites run even before those modules are merged.
 */
export function addFixtureRoutes(app: App) {
  const person = z.strictObject({
    name: z.string().min(1).max(100),
    mobile: z.string().regex(/^[6-9]\d{9}$/),
    birth_year: z.number().int().min(1900).max(2030),
    address: z
      .strictObject({ line: z.string().max(200), pincode: z.string().regex(/^\d{6}$/) })
      .optional(),
    tags: z.array(z.string().max(20)).max(10).optional(),
  });
  app.post(
    '/security-fixture/people',
    {
      schema: {
        hide: false,
        tags: ['fixture'],
        body: person,
        response: { 200: z.object({ ok: z.boolean() }) },
      },
    },
    () => ({ ok: true }),
  );
  app.put(
    '/security-fixture/people/:id',
    {
      schema: {
        tags: ['fixture'],
        params: z.strictObject({ id: z.uuid() }),
        body: person.partial(),
      },
      // Stands in for the identity module's guard: no token it issued exists in this test.
      preHandler: (_request, _reply, done) => {
        done(new Unauthorized());
      },
    },
    () => ({ ok: true }),
  );
}
