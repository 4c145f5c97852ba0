import { randomUUID } from 'node:crypto';

import { encryptField, type KeyRing } from '../../crypto/keys.js';
import { Invalid, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import { indiaDate } from '../facilities/dates.js';
import { type Access, staffActor, type StaffPrincipal, type Target } from '../staff/access.js';
import { AEFI_READERS, AEFI_RECORDERS, type Decide } from './common.js';
import { AEFI_SUPPRESS_BELOW, type AefiInput } from './schemas.js';
import type { VaccinationStore } from './store.js';

const DESCRIPTION_PURPOSE = 'aefi-description';

/** Adverse events following immunisation: recorded against a dose, reported only in aggregate. */
export function createAefiService({
  decide,
  store,
  audit,
  clock,
  access,
  keys,
}: {
  decide: Decide;
  store: VaccinationStore;
  audit: AuditService;
  clock: Clock;
  access: Access;
  keys: KeyRing;
}) {
  return {
    async record(staff: StaffPrincipal, doseId: string, input: AefiInput, ctx: RequestContext) {
      const action = 'vaccination.aefi.record';
      return decide(
        { actor: staffActor(staff), action, details: { dose_id: doseId } },
        async (tx) => {
          const dose = await store.doseWithPlace(tx, doseId);
          if (!dose) throw new NotFound('There is no such dose.', 'dose-not-found');
          await access.require(tx, staff, {
            roles: AEFI_RECORDERS,
            within: { centerId: dose.center_id },
            action,
          });
          if (input.onset_date < indiaDate(dose.vaccinated_at)) {
            throw new Invalid('onset_date is before the dose was given.', 'onset-before-dose');
          }
          if (input.onset_date > indiaDate(clock.now())) {
            throw new Invalid('onset_date is in the future.', 'onset-in-future');
          }
          const aefiId = randomUUID();
          await store.insertAefi(tx, {
            aefi_id: aefiId,
            dose_id: doseId,
            severity: input.severity,
            category: input.category,
            onset_date: input.onset_date,
            description_enc:
              input.description === undefined
                ? null
                : encryptField(keys, DESCRIPTION_PURPOSE, input.description),
            reported_by: staff.id,
            center_id: dose.center_id,
            vaccine: dose.vaccine,
            district_id: dose.district_id,
            state_id: dose.state_id,
            created_at: clock.now(),
          });
          await audit.record(
            tx,
            {
              actor: staffActor(staff),
              action,
              subject: { type: 'beneficiary', id: dose.beneficiary_reference_id },
              outcome: 'allowed',
              details: {
                aefi_id: aefiId,
                dose_id: doseId,
                severity: input.severity,
                category: input.category,
              },
            },
            ctx,
          );
          return { aefi_id: aefiId };
        },
      );
    },

    /**
     * Counts by vaccine and severity for the country, a state or a district; any count
     * below AEFI_SUPPRESS_BELOW is shown as "<5" so that a rare event in a small place
     * cannot be tied to a person.
     */
    async report(
      staff: StaffPrincipal,
      place: { state_id?: number; district_id?: number },
      ctx: RequestContext,
    ) {
      const action = 'vaccination.aefi.report';
      const target: Target =
        place.district_id !== undefined
          ? { districtId: place.district_id }
          : place.state_id !== undefined
            ? { stateId: place.state_id }
            : 'country';
      const scope =
        place.district_id !== undefined
          ? `district:${place.district_id}`
          : place.state_id !== undefined
            ? `state:${place.state_id}`
            : 'country';
      return decide({ actor: staffActor(staff), action, details: { scope } }, async (tx) => {
        await access.require(tx, staff, { roles: AEFI_READERS, within: target, action });
        const rows = await store.aefiCounts(tx, {
          ...(place.state_id === undefined ? {} : { stateId: place.state_id }),
          ...(place.district_id === undefined ? {} : { districtId: place.district_id }),
        });
        await audit.record(
          tx,
          { actor: staffActor(staff), action, outcome: 'allowed', details: { scope } },
          ctx,
        );
        return {
          scope,
          suppressed_below: AEFI_SUPPRESS_BELOW,
          counts: rows.map((r) => ({
            vaccine: r.vaccine,
            severity: r.severity,
            count: r.n < AEFI_SUPPRESS_BELOW ? (`<${AEFI_SUPPRESS_BELOW}` as const) : r.n,
          })),
        };
      });
    },
  };
}

export type AefiService = ReturnType<typeof createAefiService>;
