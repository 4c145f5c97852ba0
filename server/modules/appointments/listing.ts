import { z } from 'zod';

import type { Db } from '../../db/index.js';
import type { AppointmentStore } from './store.js';

/** One open appointment in the beneficiary list, as CoWIN showed it. */
export const listedAppointment = z.object({
  appointment_id: z.string(),
  center_id: z.number(),
  name: z.string(),
  state_name: z.string(),
  district_name: z.string(),
  block_name: z.string(),
  from: z.string(),
  to: z.string(),
  dose: z.number(),
  session_id: z.string(),
  /** DD-MM-YYYY. */
  date: z.string(),
  slot: z.string(),
});
export type ListedAppointment = z.output<typeof listedAppointment>;

/** Open appointments of a mobile number's beneficiaries, by beneficiary reference id. */
export type AppointmentsOf = (
  db: Db,
  mobileRef: string,
) => Promise<Map<string, ListedAppointment[]>>;

export const cowinDate = (date: string) => date.split('-').reverse().join('-');

export function appointmentsOf(store: AppointmentStore): AppointmentsOf {
  return async (db, mobileRef) => {
    const byBeneficiary = new Map<string, ListedAppointment[]>();
    for (const row of await store.openForMobile(db, mobileRef)) {
      const listed = byBeneficiary.get(row.beneficiary_reference_id) ?? [];
      listed.push({
        appointment_id: row.appointment_id,
        center_id: row.center_id,
        name: row.name,
        state_name: row.state_name,
        district_name: row.district_name,
        block_name: row.block_name,
        from: row.opens_at,
        to: row.closes_at,
        dose: row.dose,
        session_id: row.session_id,
        date: cowinDate(row.date),
        slot: row.slot,
      });
      byBeneficiary.set(row.beneficiary_reference_id, listed);
    }
    return byBeneficiary;
  };
}
