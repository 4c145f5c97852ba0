import type { Insertable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { AppointmentStatus, AppointmentTables } from './tables.js';

export type NewAppointment = Insertable<AppointmentTables['appointments']>;

export interface VaccineRules {
  primary_doses: number;
  min_age: number;
  intervals: { dose: number; min_days: number; max_days: number | null }[];
}

export function createAppointmentStore() {
  /** Open appointments with their session and centre, in the shape CoWIN lists them. */
  const openWithPlace = (db: Db) =>
    db
      .selectFrom('appointments as a')
      .innerJoin('vaccination_sessions as s', 's.session_id', 'a.session_id')
      .innerJoin('centres as c', 'c.center_id', 's.center_id')
      .innerJoin('states as st', 'st.state_id', 'c.state_id')
      .innerJoin('districts as d', 'd.district_id', 'c.district_id')
      .select([
        'a.appointment_id',
        'a.beneficiary_reference_id',
        'a.dose',
        'a.slot',
        'a.session_id',
        's.date',
        's.vaccine',
        'c.center_id',
        'c.name',
        'c.address',
        'st.state_name',
        'd.district_name',
        'c.block_name',
        'c.pincode',
        'c.opens_at',
        'c.closes_at',
      ])
      .where('a.status', '=', 'booked');

  return {
    async openFor(tx: Db, beneficiaryIds: readonly string[]): Promise<string[]> {
      if (beneficiaryIds.length === 0) return [];
      const rows = await tx
        .selectFrom('appointments')
        .select('beneficiary_reference_id')
        .where('beneficiary_reference_id', 'in', beneficiaryIds)
        .where('status', '=', 'booked')
        .execute();
      return rows.map((r) => r.beneficiary_reference_id);
    },

    async insert(tx: Db, rows: NewAppointment[]): Promise<void> {
      await tx.insertInto('appointments').values(rows).execute();
    },

    /** The caller's open rows of one appointment (all, or those of `beneficiaryIds`). */
    booked(tx: Db, appointmentId: string, mobileRef: string) {
      return tx
        .selectFrom('appointments')
        .select(['beneficiary_reference_id', 'session_id', 'dose', 'slot'])
        .where('appointment_id', '=', appointmentId)
        .where('mobile_ref', '=', mobileRef)
        .where('status', '=', 'booked')
        .orderBy('beneficiary_reference_id')
        .execute();
    },

    /**
     * Closes open rows and returns the ones this call closed: a row already closed by a
     * concurrent request is not returned, so its seat is given back by that request only.
     */
    close(
      tx: Db,
      appointmentId: string,
      mobileRef: string,
      beneficiaryIds: readonly string[],
      status: Exclude<AppointmentStatus, 'booked'>,
      now: Date,
    ) {
      return tx
        .updateTable('appointments')
        .set({ status, closed_at: now })
        .where('appointment_id', '=', appointmentId)
        .where('mobile_ref', '=', mobileRef)
        .where('beneficiary_reference_id', 'in', beneficiaryIds)
        .where('status', '=', 'booked')
        .returning(['beneficiary_reference_id', 'session_id', 'dose'])
        .execute();
    },

    vaccineRules(tx: Db, code: string): Promise<VaccineRules | undefined> {
      return tx
        .selectFrom('vaccines')
        .select(['primary_doses', 'min_age', 'intervals'])
        .where('code', '=', code)
        .executeTakeFirst();
    },

    async programmeRule(tx: Db, key: string): Promise<number | undefined> {
      const row = await tx
        .selectFrom('programme_rules')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirst();
      return row?.value;
    },

    openForMobile(db: Db, mobileRef: string) {
      return openWithPlace(db)
        .where('a.mobile_ref', '=', mobileRef)
        .orderBy('s.date')
        .orderBy('a.id')
        .execute();
    },

    openOfAppointment(db: Db, appointmentId: string, mobileRef: string) {
      return openWithPlace(db)
        .where('a.appointment_id', '=', appointmentId)
        .where('a.mobile_ref', '=', mobileRef)
        .orderBy('a.beneficiary_reference_id')
        .execute();
    },
  };
}

export type AppointmentStore = ReturnType<typeof createAppointmentStore>;
export type OpenAppointment = Awaited<ReturnType<AppointmentStore['openForMobile']>>[number];
