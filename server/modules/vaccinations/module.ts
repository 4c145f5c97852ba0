import type { Platform } from '../../platform/platform.js';
import { createAtCentreAppointments } from '../appointments/at-centre.js';
import { createAuditModule } from '../audit/module.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import type { CertificateService } from '../certificates/service.js';
import type { CitizenAuthModule } from '../citizen-auth/module.js';
import type { FacilitiesModule } from '../facilities/module.js';
import type { StaffModule } from '../staff/module.js';
import { createAefiService } from './aefi-service.js';
import { backfillAgeBands } from './age-band-backfill.js';
import { createDecide } from './common.js';
import { correctionRoutes } from './correction-routes.js';
import { createCorrectionService } from './corrections-service.js';
import { createDoseService } from './dose-service.js';
import { vaccinationRoutes } from './routes.js';
import { createVaccinationReads, createVaccinationStore } from './store.js';
import { createVerifierService } from './verifier-service.js';

/** At the centre: verification, walk-ins, dose recording, AEFI, and certificate corrections. */
export function createVaccinationModule({
  db,
  clock,
  limits,
  keys,
  metrics,
  events,
  staff,
  citizenAuth,
  facilities,
  beneficiaries,
  certificates,
}: Pick<Platform, 'db' | 'clock' | 'limits' | 'keys' | 'metrics' | 'events'> & {
  staff: Pick<StaffModule, 'access' | 'authenticate' | 'requireStepUp' | 'usernameOf'>;
  citizenAuth: CitizenAuthModule;
  facilities: FacilitiesModule;
  beneficiaries: BeneficiaryService;
  certificates: CertificateService;
}) {
  const store = createVaccinationStore();
  const reads = createVaccinationReads();
  const audit = createAuditModule().service;
  const decide = createDecide(db);
  const appointments = createAtCentreAppointments();
  const { access } = staff;
  const verifier = createVerifierService({
    decide,
    store,
    reads,
    audit,
    clock,
    limits,
    access,
    facilities,
    beneficiaries,
    appointments,
    citizens: citizenAuth.service,
  });
  const doses = createDoseService({
    decide,
    store,
    reads,
    audit,
    clock,
    access,
    facilities,
    beneficiaries,
    appointments,
    certificates,
    usernameOf: staff.usernameOf,
    outbox: events.outbox,
    recorded: metrics.recorded,
  });
  const aefi = createAefiService({ decide, store, audit, clock, access, keys });
  const corrections = createCorrectionService({
    db,
    decide,
    store,
    audit,
    clock,
    access,
    keys,
    beneficiaries,
    certificates,
    requireStepUp: staff.requireStepUp,
    outbox: events.outbox,
    recorded: metrics.recorded,
  });
  return {
    verifier,
    doses,
    aefi,
    corrections,
    /** Bands the doses recorded before migration 0160; run once the app has its keys. */
    backfillAgeBands: () => backfillAgeBands(db, beneficiaries),
    routes: vaccinationRoutes({ verifier, doses, aefi, authenticate: staff.authenticate }),
    correctionRoutes: correctionRoutes({
      corrections,
      guard: citizenAuth.guard,
      authenticate: staff.authenticate,
    }),
  };
}

export type VaccinationModule = ReturnType<typeof createVaccinationModule>;
