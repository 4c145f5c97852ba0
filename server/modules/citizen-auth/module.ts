import type { Config } from '../../config.js';
import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Limits } from '../../platform/limits.js';
import type { Sms } from '../../platform/sms.js';
import { createAuditModule } from '../audit/module.js';
import { createCitizenGuard } from './guard.js';
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
}: {
  db: Db;
  limits: Limits;
  clock: Clock;
  config: Config;
  keys: KeyRing;
  sms: Sms;
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
    sms,
    tokens,
    otpConfig: config.otp,
  });
  const guard = createCitizenGuard({ db, tokens, store, audit });
  return { service, guard, routes: citizenAuthRoutes({ db, service, guard }) };
}

export type CitizenAuthModule = ReturnType<typeof createCitizenAuthModule>;
