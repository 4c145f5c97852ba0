import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Config } from '../../config.js';
import type { Db } from '../../db/index.js';
import type { Platform } from '../../platform/platform.js';
import { createAuditModule } from '../audit/module.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import type { Access, StaffPrincipal } from '../staff/access.js';
import { certificateDownloadRoutes } from './downloads.js';
import { createFormatKeys } from './format-keys.js';
import { createFormatKeyStore } from './format-store.js';
import { createInternationalCertificates } from './international.js';
import { createIssuerKeys } from './issuer-keys.js';
import { createKeyRotation } from './key-rotation.js';
import { signingKeyRoutes } from './key-routes.js';
import { createPdfCache } from './pdf-cache.js';
import { certificateRoutes } from './routes.js';
import { createCertificateService, issuerIdentity } from './service.js';
import { createShcRevocations } from './shc-revocations.js';
import { createCertificateStore } from './store.js';

export function createCertificateModule({
  db,
  limits,
  clock,
  config,
  keys,
}: Pick<Platform, 'db' | 'limits' | 'clock' | 'keys'> & { config: Pick<Config, 'issuerHost'> }) {
  const store = createCertificateStore();
  const audit = createAuditModule().service;
  const issuerKeys = createIssuerKeys({
    store,
    keys,
    clock,
    issuer: issuerIdentity(config.issuerHost).did,
  });
  const service = createCertificateService({
    store,
    audit,
    clock,
    keys,
    issuerKeys,
    issuerHost: config.issuerHost,
  });
  const formatKeys = createFormatKeys({
    store: createFormatKeyStore(),
    keys,
    clock,
    issuerHost: config.issuerHost,
  });
  const shcRevocations = createShcRevocations({ store, formatKeys, keys });
  const international = createInternationalCertificates({
    formatKeys,
    shcRevocations,
    store,
    keys,
    clock,
    issuerHost: config.issuerHost,
  });
  const pdfs = createPdfCache({ db, store, certificates: service, clock });
  // Verifier apps at a busy checkpoint scan many codes from one address; this bounds abuse, not use.
  const verifyLimiter = limits.limiter({
    name: 'certificate-verify',
    points: 600,
    durationSeconds: 60,
  });
  /** Any of the three formats (W3C VC, SMART Health Card, EU DCC), saying which it was. */
  const verifyAny = (tx: Db, qrText: string) => international.verifyAny(tx, qrText, service);
  // On this module's own key instances, so a rotation here signs on this node at once.
  const keyRotation = createKeyRotation({ issuerKeys, formatKeys, audit });
  return {
    service,
    verifyAny,
    issuerKeys,
    formatKeys,
    international,
    keyRotation,
    /** Kept PDFs; its `consumer` renders each issued certificate's PDF ahead of a download. */
    pdfs,
    routes: certificateRoutes({ db, service, international, shcRevocations, verifyLimiter }),
    /** The citizen's downloads (PDF, W3C VC, SMART Health Card, EU DCC): need the caller's beneficiaries. */
    downloadRoutes: (deps: {
      beneficiaries: BeneficiaryService;
      guard: CitizenGuard;
      /** The x-api-key guard (citizen:self-service) of CoWIN v2's protected download path. */
      appKey: (request: FastifyRequest) => Promise<void>;
    }) =>
      certificateDownloadRoutes({
        db,
        certificates: service,
        international,
        pdfs,
        audit,
        // A PDF costs tens of milliseconds of CPU; a citizen needs a handful, not thousands.
        downloadLimiter: limits.limiter({
          name: 'certificate-download',
          points: 60,
          durationSeconds: 60,
        }),
        ...deps,
      }),
    /** The national admin's signing keys: read them, rotate one (step-up). */
    keyRoutes: (deps: {
      access: Access;
      authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
      requireStepUp: (staff: StaffPrincipal, action: string) => void;
    }) => signingKeyRoutes({ db, rotation: keyRotation, ...deps }),
  };
}

export type CertificateModule = ReturnType<typeof createCertificateModule>;
