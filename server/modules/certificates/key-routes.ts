import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { type Access, staffActor, type StaffPrincipal } from '../staff/access.js';
import { staffOf } from '../staff/authenticate.js';
import { KEY_FORMATS, type KeyRotation } from './key-rotation.js';

const keyGeneration = z.object({ kid: z.string(), generation: z.number().int() });

/** The national admin's view of the signing keys: public facts, never a private or master key. */
const signingKeysResponse = z.object({
  keys: z.array(
    z.object({
      format: z.enum(KEY_FORMATS),
      current: keyGeneration.nullable(),
      published: z.array(keyGeneration),
    }),
  ),
});

const rotateKeyBody = z.strictObject({ format: z.enum(KEY_FORMATS) });

const rotatedKeyResponse = keyGeneration.extend({ format: z.enum(KEY_FORMATS) });

/** The signing keys are the whole country's: only national admins hold them. */
const KEY_HOLDERS = ['national-admin'] as const;

/**
 * The national admin's certificate signing keys: which key each format signs with, and a
 * rotation (step-up, audited with the staff member as actor), the same as `teeka keys rotate`.
 */
export function signingKeyRoutes({
  db,
  rotation,
  access,
  authenticate,
  requireStepUp,
}: {
  db: Db;
  rotation: KeyRotation;
  access: Access;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  requireStepUp: (staff: StaffPrincipal, action: string) => void;
}): FastifyPluginCallbackZod {
  const tags = ['certificate keys'];
  const allowed = (tx: Db, staff: StaffPrincipal, action: string) =>
    access.require(tx, staff, { roles: KEY_HOLDERS, within: 'country', action });

  return (app, _options, done) => {
    app.get(
      '/api/v1/admin/keys',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'The certificate signing key of each format (kid, generation) and every published generation (national-admin)',
          response: { 200: signingKeysResponse },
        },
      },
      (request) =>
        db.transaction().execute(async (tx) => {
          await allowed(tx, staffOf(request), 'certificate-key.read');
          return { keys: await rotation.current(tx) };
        }),
    );

    app.post(
      '/api/v1/admin/keys/rotate',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'A new signing key for one format (vc, shc or dcc); earlier keys stay published and keep verifying (national-admin, step-up)',
          body: rotateKeyBody,
          response: { 200: rotatedKeyResponse },
        },
      },
      (request) => {
        const staff = staffOf(request);
        const action = 'certificate-key.rotate';
        return db.transaction().execute(async (tx) => {
          await allowed(tx, staff, action);
          requireStepUp(staff, action);
          return rotation.rotate(
            tx,
            request.body.format,
            staffActor(staff),
            requestContext(request),
          );
        });
      },
    );
    done();
  };
}
