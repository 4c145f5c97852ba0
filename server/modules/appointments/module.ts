import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Platform } from '../../platform/platform.js';
import { createAuditModule } from '../audit/module.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import type { EventBus } from '../events/module.js';
import type { FacilitiesModule } from '../facilities/module.js';
import { appointmentsOf } from './listing.js';
import { appointmentRoutes } from './routes.js';
import { createAppointmentService } from './service.js';
import { createAppointmentStore } from './store.js';

/** The beneficiary list shows open appointments; it needs them before this module exists. */
export const createAppointmentListing = () => appointmentsOf(createAppointmentStore());

export function createAppointmentModule({
  db,
  clock,
  facilities,
  guard,
  beneficiaries,
  events,
  metrics,
}: Pick<Platform, 'metrics'> & {
  db: Db;
  clock: Clock;
  events: Pick<EventBus, 'outbox'>;
  facilities: FacilitiesModule;
  guard: CitizenGuard;
  beneficiaries: BeneficiaryService;
}) {
  const service = createAppointmentService({
    db,
    store: createAppointmentStore(),
    audit: createAuditModule().service,
    clock,
    facilities,
    beneficiaries,
    outbox: events.outbox,
    recorded: metrics.recorded,
  });
  return { service, routes: appointmentRoutes({ service, guard }) };
}
