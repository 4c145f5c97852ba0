import { randomUUID } from 'node:crypto';

import type { Db } from '../../db/index.js';

/**
 * The appointments domain as staff at a centre see it: the day's list, lookups within the
 * centre, closing a booking as completed when its dose is recorded, and the seat-holding
 * row a walk-in registration opens. Only the vaccinations domain calls these, after its
 * own access check of the centre.
 */
export function createAtCentreAppointments() {
  const atCentre = (db: Db, centerId: number) =>
    db
      .selectFrom('appointments as a')
      .innerJoin('vaccination_sessions as s', 's.session_id', 'a.session_id')
      .select([
        'a.appointment_id',
        'a.beneficiary_reference_id',
        'a.session_id',
        'a.slot',
        'a.dose',
        'a.status',
        's.date',
      ])
      .where('s.center_id', '=', centerId);

  return {
    /** Booked and completed appointments at the centre on `date` (YYYY-MM-DD), by slot. */
    onDate(db: Db, centerId: number, date: string) {
      return atCentre(db, centerId)
        .where('s.date', '=', date)
        .where('a.status', 'in', ['booked', 'completed'])
        .orderBy('a.slot')
        .orderBy('a.id')
        .limit(5_000)
        .execute();
    },

    /** The open rows of one appointment, only if its session is at this centre. */
    openOfAppointment(db: Db, appointmentId: string, centerId: number) {
      return atCentre(db, centerId)
        .where('a.appointment_id', '=', appointmentId)
        .where('a.status', '=', 'booked')
        .orderBy('a.beneficiary_reference_id')
        .execute();
    },

    /** The beneficiary's open appointment at this centre on `date`, if any. */
    openAt(db: Db, beneficiaryId: string, centerId: number, date: string) {
      return atCentre(db, centerId)
        .where('a.beneficiary_reference_id', '=', beneficiaryId)
        .where('a.status', '=', 'booked')
        .where('s.date', '=', date)
        .executeTakeFirst();
    },

    /** Closes the beneficiary's open appointment (anywhere) as completed; the closed row, if any. */
    complete(tx: Db, beneficiaryId: string, now: Date) {
      return tx
        .updateTable('appointments')
        .set({ status: 'completed', closed_at: now })
        .where('beneficiary_reference_id', '=', beneficiaryId)
        .where('status', '=', 'booked')
        .returning(['appointment_id', 'session_id', 'dose'])
        .executeTakeFirst();
    },

    /** The open row a walk-in registration holds its seat with (the caller took the seat). */
    async holdWalkIn(
      tx: Db,
      row: { mobileRef: string; beneficiaryId: string; sessionId: string; slot: string; now: Date },
    ): Promise<string> {
      const appointmentId = randomUUID();
      await tx
        .insertInto('appointments')
        .values({
          appointment_id: appointmentId,
          mobile_ref: row.mobileRef,
          beneficiary_reference_id: row.beneficiaryId,
          session_id: row.sessionId,
          dose: 1,
          slot: row.slot,
          status: 'booked',
          created_at: row.now,
          closed_at: null,
        })
        .execute();
      return appointmentId;
    },
  };
}

export type AtCentreAppointments = ReturnType<typeof createAtCentreAppointments>;
