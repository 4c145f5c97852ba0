import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Limits } from '../../platform/limits.js';
import type { AppointmentsOf } from '../appointments/listing.js';
import { createAuditModule } from '../audit/module.js';
import type { CitizenAuthModule } from '../citizen-auth/module.js';
import { beneficiaryRoutes } from './routes.js';
import { createBeneficiaryService } from './service.js';
import { createBeneficiaryStore } from './store.js';

export function createBeneficiaryModule({
  db,
  limits,
  clock,
  keys,
  citizenAuth,
  appointments,
}: {
  db: Db;
  limits: Limits;
  clock: Clock;
  keys: KeyRing;
  citizenAuth: CitizenAuthModule;
  appointments: AppointmentsOf;
}) {
  const service = createBeneficiaryService({
    store: createBeneficiaryStore(),
    audit: createAuditModule().service,
    keys,
    clock,
    limits,
    citizens: citizenAuth.service,
    appointments,
  });
  return {
    service,
    routes: beneficiaryRoutes({ db, service, guard: citizenAuth.guard }),
  };
}
