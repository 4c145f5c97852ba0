import type { Db } from '../../server/db/index.js';
import type { AuditActor } from '../../server/modules/audit/service.js';
import type { NewCentreInput, NewSessionInput } from '../../server/modules/facilities/schemas.js';
import type { FacilityService } from '../../server/modules/facilities/service.js';

const TEST_ACTOR: AuditActor = { type: 'system', id: 'test' };

/** Factories that create centres and sessions through the real facility service. */
export function givenFacilities(db: Db, service: FacilityService) {
  let n = 0;
  return {
    centre(fields: Partial<NewCentreInput> = {}): Promise<number> {
      n++;
      return db.transaction().execute((tx) =>
        service.createCentre(
          tx,
          {
            name: `Test Centre ${n}`,
            address: `${n} Test Road`,
            district_id: 294,
            block_name: 'Bommanahalli',
            pincode: 560041,
            lat: 12.9259,
            long: 77.5936,
            opens_at: '09:00',
            closes_at: '17:00',
            fee_type: 'Free',
            ...fields,
          },
          TEST_ACTOR,
        ),
      );
    },
    session(centerId: number, date: string, fields: Partial<NewSessionInput> = {}) {
      return db.transaction().execute((tx) =>
        service.createSession(
          tx,
          {
            center_id: centerId,
            date,
            vaccine: 'COVISHIELD',
            min_age_limit: 18,
            capacity_dose1: 50,
            capacity_dose2: 30,
            capacity_precaution: 10,
            slots: ['09:00AM-11:00AM', '11:00AM-01:00PM', '01:00PM-03:00PM', '03:00PM-05:00PM'],
            ...fields,
          },
          TEST_ACTOR,
        ),
      );
    },
  };
}
