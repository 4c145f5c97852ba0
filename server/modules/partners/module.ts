import type { FastifyBaseLogger } from 'fastify';

import type { Platform } from '../../platform/platform.js';
import { createAuditModule } from '../audit/module.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import type { CertificateModule } from '../certificates/module.js';
import type { CertificateService } from '../certificates/service.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import type { SearchService } from '../facilities/search.js';
import type { KillSwitchModule } from '../kill-switch/module.js';
import type { StaffModule } from '../staff/module.js';
import { partnerAdminRoutes } from './admin-routes.js';
import { createAppKeyGuard } from './app-keys.js';
import { createCitizenConsents } from './citizen-consents.js';
import { citizenConsentRoutes } from './citizen-routes.js';
import { createClientRules } from './client-rules.js';
import { createClientService } from './clients-service.js';
import { createConsentService } from './consent-service.js';
import { createPartnerTokens } from './credentials.js';
import { createEnumerationDetector } from './enumeration.js';
import { createPartnerGuard } from './guard.js';
import { partnerRoutes } from './partner-routes.js';
import { createReadService } from './reads-service.js';
import { createPartnerStore } from './store.js';
import { createTokenService } from './token-service.js';

/**
 * What the rest of the app needs of partners before the partner routes exist: the client
 * rules (shared by both guards) and the x-api-key guard of registered apps, which the
 * citizen guard asks when a call carries a key.
 */
export function createClientAccess({
  db,
  limits,
  keys,
  killSwitch,
}: Pick<Platform, 'db' | 'limits' | 'keys'> & {
  killSwitch: Pick<KillSwitchModule, 'assertOpen'>;
}) {
  const rules = createClientRules({ limits, assertOpen: killSwitch.assertOpen });
  return { rules, apps: createAppKeyGuard({ db, store: createPartnerStore(), keys, rules }) };
}

export type ClientAccess = ReturnType<typeof createClientAccess>;

/**
 * Partner clients, their tokens, consent and consented reads, quotas and the enumeration
 * stop. `guard(scope)` is the one partner authentication; `preHandlers` lists every guard
 * the routes use, so that the app moves them before body parsing and documents them.
 */
export function createPartnersModule({
  db,
  limits,
  clock,
  config,
  keys,
  metrics,
  events,
  log,
  staff,
  citizenGuard,
  beneficiaries,
  certificates,
  search,
  access,
}: Pick<Platform, 'db' | 'limits' | 'clock' | 'config' | 'keys' | 'metrics' | 'events'> & {
  log: FastifyBaseLogger;
  staff: Pick<StaffModule, 'authenticate' | 'access' | 'requireStepUp'>;
  citizenGuard: CitizenGuard;
  beneficiaries: BeneficiaryService;
  certificates: Pick<CertificateService, 'getCertificateForBeneficiary'> &
    Pick<CertificateModule, 'verifyAny'>;
  search: Pick<SearchService, 'findByDistrict'>;
  access: ClientAccess;
}) {
  const store = createPartnerStore();
  const audit = createAuditModule().service;
  const tokens = createPartnerTokens({ keys, clock });
  const partnerGuard = createPartnerGuard({
    db,
    store,
    tokens,
    rules: access.rules,
  });
  const enumeration = createEnumerationDetector({
    db,
    store,
    audit,
    keys,
    clock,
    log,
    limit: config.partnerEnumeration.limit,
    windowSeconds: config.partnerEnumeration.windowSeconds,
  });
  const clients = createClientService({ store, audit, keys, clock });
  const consents = createConsentService({
    store,
    audit,
    keys,
    clock,
    limits,
    events,
    smsWaitMs: config.sms.waitMs,
    beneficiaries,
    enumeration,
    otpConfig: config.otp,
    recorded: metrics.recorded,
  });
  const reads = createReadService({ store, audit, clock, certificates, enumeration });
  const citizenConsents = createCitizenConsents({ store, audit, clock });
  const routes = [
    partnerRoutes({
      db,
      guard: partnerGuard.guard,
      tokens: createTokenService({ store, audit, keys, limits, tokens }),
      consents,
      reads,
      certificates,
      search,
    }),
    partnerAdminRoutes({
      db,
      clients,
      access: staff.access,
      authenticate: staff.authenticate,
      requireStepUp: staff.requireStepUp,
    }),
    citizenConsentRoutes({ db, consents: citizenConsents, guard: citizenGuard }),
  ];
  return {
    /** The partner guard: `preHandler: partners.guard('certificate:verify')`. */
    guard: partnerGuard.guard,
    preHandlers: partnerGuard.made(),
    clients,
    routes,
  };
}

export type PartnersModule = ReturnType<typeof createPartnersModule>;
