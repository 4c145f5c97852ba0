import type { Db } from '../../db/index.js';

export function createMasterDataStore() {
  return {
    states(db: Db) {
      return db
        .selectFrom('states')
        .select(['state_id', 'state_name'])
        .orderBy('position')
        .execute();
    },
    async stateExists(db: Db, stateId: number) {
      const row = await db
        .selectFrom('states')
        .select('state_id')
        .where('state_id', '=', stateId)
        .executeTakeFirst();
      return row !== undefined;
    },
    districts(db: Db, stateId: number) {
      return db
        .selectFrom('districts')
        .select(['district_id', 'district_name'])
        .where('state_id', '=', stateId)
        .orderBy('position')
        .execute();
    },
  };
}
