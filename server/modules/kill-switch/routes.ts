import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { type Access, staffActor, type StaffPrincipal } from '../staff/access.js';
import { staffOf } from '../staff/authenticate.js';
import type { Board } from './board.js';
import { changeBody, changeResponse, statusResponse, switchedOffJson } from './schemas.js';
import type { KillSwitchService, SwitchStatus } from './service.js';
import type { SyncMode } from './sync.js';

/** Only national admins hold the whole country, which every switch reaches. */
const SWITCHERS = ['national-admin'] as const;

export function killSwitchRoutes({
  db,
  service,
  board,
  sync,
  access,
  authenticate,
  requireStepUp,
}: {
  db: Db;
  service: KillSwitchService;
  board: Board;
  sync: SyncMode;
  access: Access;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  requireStepUp: (staff: StaffPrincipal, action: string) => void;
}): FastifyPluginCallbackZod {
  const tags = ['kill switch'];
  const view = (status: SwitchStatus) => ({
    version: status.version,
    node: { version: board.version(), sync },
    switchedOff: status.switchedOff.map(switchedOffJson),
  });

  return (app, _options, done) => {
    app.get(
      '/api/v1/admin/kill-switch',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'What is switched off (national-admin)',
          response: { 200: statusResponse },
        },
      },
      (request) =>
        db.transaction().execute(async (tx) => {
          await access.require(tx, staffOf(request), {
            roles: SWITCHERS,
            within: 'country',
            action: 'kill-switch.read',
          });
          return view(await service.status(tx));
        }),
    );

    app.put(
      '/api/v1/admin/kill-switch',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary:
            'Switch partner, public or citizen APIs off ("killSwitch":"on") or back on ("off") (national-admin, step-up)',
          body: changeBody,
          response: { 200: changeResponse },
        },
      },
      async (request) => {
        const staff = staffOf(request);
        const { changed, status } = await service.change(
          db,
          request.body,
          { ...staffActor(staff), type: 'staff' },
          requestContext(request),
          async (tx) => {
            await access.require(tx, staff, {
              roles: SWITCHERS,
              within: 'country',
              action: 'kill-switch.change',
            });
            requireStepUp(staff, 'kill-switch.change');
          },
        );
        return { ...view(status), changed };
      },
    );
    done();
  };
}
