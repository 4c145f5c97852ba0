import type { Metrics } from '../../platform/metrics.js';
import type { Platform } from '../../platform/platform.js';
import type { Sms } from '../../platform/sms.js';
import { createAuditModule } from '../audit/module.js';
import { createEventBus, type EventBus } from '../events/module.js';
import { smsConsumer } from '../notifications/sms.js';
import { type AppKeys, createCitizenGuard } from './guard.js';
import { citizenAuthRoutes } from './routes.js';
import { createCitizenAuthService } from './service.js';
import { createCitizenAuthStore } from './store.js';
import { createCitizenTokens } from './tokens.js';

export function createCitizenAuthModule({
  db,
  limits,
  clock,
  config,
  keys,
  sms,
  events,
  metrics,
  apps,
}: Pick<Platform, 'db' | 'limits' | 'clock' | 'config' | 'keys'> & {
  sms: Sms;
  /** Registered apps' x-api-key check (the partners module's `createClientAccess`). */
  apps: AppKeys;
  /** The app's event bus, which runs the SMS consumer. */
  events?: EventBus;
  /** The app's counters (OTPs sent); a module built on its own counts nothing. */
  metrics?: Pick<Metrics, 'recorded'>;
}) {
  const store = createCitizenAuthStore();
  const audit = createAuditModule().service;
  const tokens = createCitizenTokens({ keys, clock, ttlSeconds: config.citizenTokenTtlSeconds });
  const service = createCitizenAuthService({
    store,
    audit,
    keys,
    clock,
    limits,
    events: events ?? standaloneEvents({ db, keys, clock, sms, natsPrefix: config.natsPrefix }),
    smsWaitMs: config.sms.waitMs,
    tokens,
    otpConfig: config.otp,
    recorded: metrics?.recorded,
  });
  const guard = createCitizenGuard({ db, tokens, store, audit, apps });
  return { service, guard, routes: citizenAuthRoutes({ db, service, guard, apps }) };
}

/**
 * The module built on its own, outside an app (tools, tests that need only its guard):
 * its SMS are delivered in process at request time, once, with no relay to retry them.
 */
function standaloneEvents({
  db,
  keys,
  clock,
  sms,
  natsPrefix,
}: Pick<Platform, 'db' | 'keys' | 'clock'> & { sms: Sms; natsPrefix: string }) {
  const events = createEventBus({ db, keys, clock, config: { natsUrl: undefined, natsPrefix } });
  events.register(smsConsumer({ sms, clock, metrics: undefined }));
  return events;
}

export type CitizenAuthModule = ReturnType<typeof createCitizenAuthModule>;
