import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';

import type { Platform } from '../../platform/platform.js';
import { createAuditModule } from '../audit/module.js';
import { createBoard } from './board.js';
import { assertOpenWith, installGate } from './gate.js';
import { killSwitchRoutes } from './routes.js';
import { createKillSwitchService } from './service.js';
import { createKillSwitchStore } from './store.js';
import { createSync } from './sync.js';
import type { Surface } from './targets.js';

export function createKillSwitchModule({
  db,
  clock,
  config,
  metrics,
  postgres,
  log,
}: Pick<Platform, 'db' | 'clock' | 'config' | 'metrics'> & {
  /** The database is PostgreSQL (other nodes may change the state), not the embedded one. */
  postgres: boolean;
  log: FastifyBaseLogger;
}) {
  const store = createKillSwitchStore();
  const board = createBoard({ db, store });
  const sync = createSync({
    db,
    store,
    board,
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    postgres,
    log,
  });
  const refused = new Counter({
    name: 'teeka_kill_switch_refused_total',
    help: 'Calls refused because their API is switched off, by surface',
    labelNames: ['surface'] as const,
    registers: [metrics.registry],
  });
  const onRefused = (surface: Surface) => refused.inc({ surface });
  const service = createKillSwitchService({
    store,
    audit: createAuditModule().service,
    now: () => clock.now(),
    announce: (version) => sync.announce(version),
  });

  return {
    service,
    board,
    /**
     * For the partner guard, once it knows the caller: throws 503 `api-switched-off` when
     * all partner APIs, this client or this scope are switched off.
     * `assertOpen({ surface: 'partners', clientId, scope })`.
     */
    assertOpen: assertOpenWith(board, onRefused),
    /** Call before any route is registered: classifies routes, loads the state on ready, follows changes. */
    install(app: FastifyInstance, guards: { staff: unknown; citizen: unknown }) {
      installGate(app, { board, guards, onRefused });
      app.addHook('onReady', () => sync.start());
      app.addHook('onClose', () => sync.close());
    },
    routes: (
      deps: Pick<
        Parameters<typeof killSwitchRoutes>[0],
        'access' | 'authenticate' | 'requireStepUp'
      >,
    ) => killSwitchRoutes({ db, service, board, sync: sync.mode, ...deps }),
  };
}

export type KillSwitchModule = ReturnType<typeof createKillSwitchModule>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The kill switch of this app: the partner guard calls `killSwitch.assertOpen(...)`. */
    killSwitch: KillSwitchModule;
  }
}
