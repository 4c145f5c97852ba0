import type { Insertable, Updateable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { BeneficiaryTables } from './tables.js';

export function createBeneficiaryStore() {
  return {
    async insert(tx: Db, row: Insertable<BeneficiaryTables['beneficiaries']>) {
      await tx.insertInto('beneficiaries').values(row).execute();
    },
    async countFor(tx: Db, mobileRef: string): Promise<number> {
      const row = await tx
        .selectFrom('beneficiaries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('mobile_ref', '=', mobileRef)
        .executeTakeFirstOrThrow();
      return row.n;
    },
    async photoIdTaken(tx: Db, photoIdIndex: string): Promise<boolean> {
      const row = await tx
        .selectFrom('beneficiaries')
        .select('beneficiary_reference_id')
        .where('photo_id_index', '=', photoIdIndex)
        .executeTakeFirst();
      return row !== undefined;
    },
    async referenceIdTaken(tx: Db, id: string): Promise<boolean> {
      const row = await tx
        .selectFrom('beneficiaries')
        .select('beneficiary_reference_id')
        .where('beneficiary_reference_id', '=', id)
        .executeTakeFirst();
      return row !== undefined;
    },
    listFor(tx: Db, mobileRef: string) {
      return tx
        .selectFrom('beneficiaries as b')
        .innerJoin('genders as g', 'g.id', 'b.gender_id')
        .innerJoin('id_types as t', 't.id', 'b.photo_id_type')
        .leftJoin('vaccines as v', 'v.code', 'b.vaccine')
        .select([
          'b.beneficiary_reference_id',
          'b.name_enc',
          'b.birth_year_enc',
          'g.gender',
          't.type as photo_id_type',
          'b.photo_id_number_enc',
          'b.comorbidity_ind',
          'b.doses_given',
          'b.vaccine',
          'v.primary_doses',
          'b.dose1_date',
          'b.dose2_date',
        ])
        .where('b.mobile_ref', '=', mobileRef)
        .orderBy('b.created_at')
        .orderBy('b.beneficiary_reference_id')
        .execute();
    },
    /** The caller's own beneficiaries among `ids`, locked until the transaction ends. */
    lockOwned(tx: Db, mobileRef: string, ids: readonly string[]) {
      // One lock order for every caller, so that two bookings of the same people wait for
      // each other instead of deadlocking.
      return tx
        .selectFrom('beneficiaries')
        .select([
          'beneficiary_reference_id',
          'doses_given',
          'vaccine',
          'dose1_date',
          'dose2_date',
          'birth_year_enc',
        ])
        .where('mobile_ref', '=', mobileRef)
        .where('beneficiary_reference_id', 'in', ids)
        .orderBy('beneficiary_reference_id')
        .forUpdate()
        .execute();
    },
    async delete(tx: Db, id: string) {
      await tx.deleteFrom('beneficiaries').where('beneficiary_reference_id', '=', id).execute();
    },
    async genderExists(tx: Db, id: number) {
      const row = await tx
        .selectFrom('genders')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      return row !== undefined;
    },
    async idTypeExists(tx: Db, id: number) {
      const row = await tx
        .selectFrom('id_types')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      return row !== undefined;
    },
    idTypes(db: Db) {
      return db.selectFrom('id_types').select(['id', 'type']).orderBy('position').execute();
    },
    genders(db: Db) {
      return db.selectFrom('genders').select(['id', 'gender']).orderBy('id').execute();
    },
    /** Beneficiaries with the facts staff work with at a centre (encrypted as stored); `lock` holds them until the transaction ends. */
    onSite(tx: Db, ids: readonly string[], lock = false) {
      const query = tx
        .selectFrom('beneficiaries as b')
        .innerJoin('genders as g', 'g.id', 'b.gender_id')
        .innerJoin('id_types as t', 't.id', 'b.photo_id_type')
        .select([
          'b.beneficiary_reference_id',
          'b.mobile_ref',
          'b.name_enc',
          'b.birth_year_enc',
          'b.gender_id',
          'g.gender',
          'b.photo_id_type',
          't.type as photo_id_type_name',
          'b.photo_id_number_enc',
          'b.doses_given',
          'b.vaccine',
          'b.dose1_date',
          'b.dose2_date',
        ])
        .where('b.beneficiary_reference_id', 'in', ids)
        .orderBy('b.beneficiary_reference_id');
      return ids.length === 0
        ? Promise.resolve([])
        : (lock ? query.forUpdate('b') : query).execute();
    },
    async update(tx: Db, id: string, changes: Updateable<BeneficiaryTables['beneficiaries']>) {
      await tx
        .updateTable('beneficiaries')
        .set(changes)
        .where('beneficiary_reference_id', '=', id)
        .execute();
    },
    async photoIdTakenByOther(tx: Db, photoIdIndex: string, id: string): Promise<boolean> {
      const row = await tx
        .selectFrom('beneficiaries')
        .select('beneficiary_reference_id')
        .where('photo_id_index', '=', photoIdIndex)
        .where('beneficiary_reference_id', '<>', id)
        .executeTakeFirst();
      return row !== undefined;
    },
    async minimumAge(tx: Db): Promise<number> {
      const row = await tx
        .selectFrom('programme_rules')
        .select('value')
        .where('key', '=', 'minimum_age')
        .executeTakeFirstOrThrow();
      return row.value;
    },
  };
}

export type BeneficiaryStore = ReturnType<typeof createBeneficiaryStore>;
