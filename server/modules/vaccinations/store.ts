import type { Insertable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { ProgrammeRules } from '../appointments/rules.js';
import type { VaccineRules } from '../appointments/store.js';
import type { DoseAnswer, VaccinationTables } from './tables.js';

type Tables = VaccinationTables;

/** The SQL of the vaccination domain: arrivals, doses, idempotency keys, AEFI, corrections. */
export function createVaccinationStore() {
  return {
    arrivals(db: Db, sessionIds: readonly string[], beneficiaryIds: readonly string[]) {
      if (sessionIds.length === 0 || beneficiaryIds.length === 0) return Promise.resolve([]);
      return db
        .selectFrom('arrivals')
        .selectAll()
        .where('session_id', 'in', sessionIds)
        .where('beneficiary_reference_id', 'in', beneficiaryIds)
        .execute();
    },
    async confirmIdentity(
      tx: Db,
      row: { session_id: string; beneficiary_reference_id: string; by: string; at: Date },
    ) {
      await tx
        .insertInto('arrivals')
        .values({
          session_id: row.session_id,
          beneficiary_reference_id: row.beneficiary_reference_id,
          identity_confirmed_by: row.by,
          identity_confirmed_at: row.at,
        })
        .onConflict((oc) =>
          oc.columns(['session_id', 'beneficiary_reference_id']).doUpdateSet({
            identity_confirmed_by: row.by,
            identity_confirmed_at: row.at,
          }),
        )
        .execute();
    },
    /** Marks arrival if identity was confirmed at this session; the arrival time, or undefined. */
    async arrive(tx: Db, sessionId: string, beneficiaryId: string, by: string, at: Date) {
      const row = await tx
        .updateTable('arrivals')
        .set((eb) => ({
          arrived_by: eb.fn.coalesce('arrived_by', eb.val(by)),
          arrived_at: eb.fn.coalesce('arrived_at', eb.val(at)),
        }))
        .where('session_id', '=', sessionId)
        .where('beneficiary_reference_id', '=', beneficiaryId)
        .returning('arrived_at')
        .executeTakeFirst();
      return row?.arrived_at ?? undefined;
    },

    /**
     * Claims an Idempotency-Key for the caller's transaction. On PostgreSQL a concurrent
     * twin waits here on the key's unique index until the first commits (then sees its
     * row) or rolls back (then claims the key itself).
     */
    async claimKey(
      tx: Db,
      row: { staff_id: string; idempotency_key: string; request_hash: string; created_at: Date },
      pending: DoseAnswer,
    ): Promise<boolean> {
      const claimed = await tx
        .insertInto('dose_requests')
        .values({ ...row, response: JSON.stringify(pending) })
        .onConflict((oc) => oc.columns(['staff_id', 'idempotency_key']).doNothing())
        .returning('idempotency_key')
        .executeTakeFirst();
      return claimed !== undefined;
    },
    keyed(tx: Db, staffId: string, key: string) {
      return tx
        .selectFrom('dose_requests')
        .select(['request_hash', 'response'])
        .where('staff_id', '=', staffId)
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
    },
    async answerKey(tx: Db, staffId: string, key: string, answer: DoseAnswer) {
      await tx
        .updateTable('dose_requests')
        .set({ response: JSON.stringify(answer) })
        .where('staff_id', '=', staffId)
        .where('idempotency_key', '=', key)
        .execute();
    },

    async insertDose(tx: Db, row: Insertable<Tables['doses']>) {
      await tx.insertInto('doses').values(row).execute();
    },
    /** A dose with its centre's place, for AEFI reports. */
    doseWithPlace(db: Db, doseId: string) {
      return db
        .selectFrom('doses as d')
        .innerJoin('centres as c', 'c.center_id', 'd.center_id')
        .select([
          'd.dose_id',
          'd.beneficiary_reference_id',
          'd.vaccine',
          'd.center_id',
          'c.district_id',
          'c.state_id',
          'd.vaccinated_at',
        ])
        .where('d.dose_id', '=', doseId)
        .executeTakeFirst();
    },
    /** The centre of the beneficiary's latest dose (highest dose number). */
    latestDose(db: Db, beneficiaryId: string) {
      return db
        .selectFrom('doses as d')
        .innerJoin('centres as c', 'c.center_id', 'd.center_id')
        .select(['d.dose', 'd.center_id', 'c.district_id'])
        .where('d.beneficiary_reference_id', '=', beneficiaryId)
        .orderBy('d.dose', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    async insertAefi(tx: Db, row: Insertable<Tables['aefi_reports']>) {
      await tx.insertInto('aefi_reports').values(row).execute();
    },
    aefiCounts(db: Db, place: { stateId?: number; districtId?: number }) {
      let query = db
        .selectFrom('aefi_reports')
        .select(['vaccine', 'severity', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['vaccine', 'severity'])
        .orderBy('vaccine')
        .orderBy('severity');
      if (place.stateId !== undefined) query = query.where('state_id', '=', place.stateId);
      if (place.districtId !== undefined) query = query.where('district_id', '=', place.districtId);
      return query.execute();
    },

    async insertCorrection(tx: Db, row: Insertable<Tables['correction_requests']>) {
      await tx.insertInto('correction_requests').values(row).execute();
    },
    correctionsOf(db: Db, mobileRef: string) {
      return db
        .selectFrom('correction_requests')
        .selectAll()
        .where('mobile_ref', '=', mobileRef)
        .orderBy('created_at', 'desc')
        .limit(100)
        .execute();
    },
    pendingIn(db: Db, districtId: number) {
      return db
        .selectFrom('correction_requests')
        .selectAll()
        .where('district_id', '=', districtId)
        .where('status', '=', 'pending')
        .orderBy('created_at')
        .limit(500)
        .execute();
    },
    lockCorrection(tx: Db, requestId: string) {
      return tx
        .selectFrom('correction_requests')
        .selectAll()
        .where('request_id', '=', requestId)
        .forUpdate()
        .executeTakeFirst();
    },
    async decideCorrection(
      tx: Db,
      requestId: string,
      decision: {
        status: 'approved' | 'rejected';
        decided_at: Date;
        decided_by: string;
        new_certificate_id: string | null;
        decision_reason_enc: string | null;
      },
    ) {
      await tx
        .updateTable('correction_requests')
        .set(decision)
        .where('request_id', '=', requestId)
        .where('status', '=', 'pending')
        .execute();
    },
  };
}

export type VaccinationStore = ReturnType<typeof createVaccinationStore>;

interface VaccineRow extends VaccineRules {
  code: string;
  manufacturer: string;
}

/** Reads of facilities and master data the vaccination rules stand on (read only). */
export function createVaccinationReads() {
  let vaccines: VaccineRow[] | undefined;
  let programme: ProgrammeRules | undefined;
  return {
    /** A centre with the names a certificate prints and the ids access checks use. */
    centre(db: Db, centerId: number) {
      return db
        .selectFrom('centres as c')
        .innerJoin('districts as d', 'd.district_id', 'c.district_id')
        .innerJoin('states as st', 'st.state_id', 'c.state_id')
        .select(['c.center_id', 'c.name', 'd.district_name', 'st.state_name', 'c.district_id'])
        .where('c.center_id', '=', centerId)
        .executeTakeFirst();
    },
    /** The centre's sessions on `date`, to know whether it takes walk-ins today. */
    sessionsOn(db: Db, centerId: number, date: string) {
      return db
        .selectFrom('vaccination_sessions')
        .select(['session_id', 'allow_walk_in'])
        .where('center_id', '=', centerId)
        .where('date', '=', date)
        .execute();
    },
    /**
     * The rules of a vaccine as checkEligible takes them, and its manufacturer. Master data
     * (data/vaccines.json, loaded by migration 0001) never changes while a node runs, so
     * each node reads it once: two fewer round trips in every dose's transaction.
     */
    async vaccine(db: Db, code: string) {
      vaccines ??= await db
        .selectFrom('vaccines')
        .select(['code', 'manufacturer', 'primary_doses', 'min_age', 'intervals'])
        .execute();
      return vaccines.find((v) => v.code === code);
    },
    async programme(db: Db) {
      if (!programme) {
        const rows = await db.selectFrom('programme_rules').select(['key', 'value']).execute();
        const rule = (key: string) => rows.find((r) => r.key === key)?.value;
        programme = {
          precautionMinimumAge: rule('precaution_minimum_age') ?? 18,
          precautionIntervalDays: rule('precaution_interval_days') ?? 182,
        };
      }
      return programme;
    },
  };
}

export type VaccinationReads = ReturnType<typeof createVaccinationReads>;
