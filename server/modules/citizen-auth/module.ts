import type { Platform } from '../../platform/platform.js';
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
}: Pick<Platform, 'db' | 'limits' | 'clock' | 'config' | 'keys'> & { sms: Sms }) {
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
