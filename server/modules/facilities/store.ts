import type { Insertable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { FacilityTables } from './tables.js';

export type NewCentre = Insertable<FacilityTables['centres']>;
export type NewSession = Insertable<FacilityTables['vaccination_sessions']>;

export function createFacilityStore() {
  return {
    async insertCentre(db: Db, centre: NewCentre): Promise<number> {
      const row = await db
        .insertInto('centres')
        .values(centre)
        .returning('center_id')
        .executeTakeFirstOrThrow();
      return row.center_id;
    },
    async insertSession(db: Db, session: NewSession): Promise<string> {
      const row = await db
        .insertInto('vaccination_sessions')
        .values(session)
        .returning('session_id')
        .executeTakeFirstOrThrow();
      return row.session_id;
    },
    async countCentres(db: Db): Promise<number> {
      const row = await db
        .selectFrom('centres')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return row.n;
    },
  };
}
