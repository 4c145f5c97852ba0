import { type Insertable, sql, type Updateable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { FacilityTables } from './tables.js';

export type NewCentre = Insertable<FacilityTables['centres']>;
export type CentreChanges = Updateable<FacilityTables['centres']>;
export type NewSession = Insertable<FacilityTables['vaccination_sessions']>;
export type SessionChanges = Updateable<FacilityTables['vaccination_sessions']>;

/** Which of a session's three seat pools a dose draws from. */
export type SeatPool = 'dose1' | 'dose2' | 'precaution';

const AVAILABLE = {
  dose1: 'available_dose1',
  dose2: 'available_dose2',
  precaution: 'available_precaution',
} as const;
const CAPACITY = {
  dose1: 'capacity_dose1',
  dose2: 'capacity_dose2',
  precaution: 'capacity_precaution',
} as const;

const SESSION_COLUMNS = [
  'session_id',
  'center_id',
  'date',
  'vaccine',
  'min_age_limit',
  'max_age_limit',
  'capacity_dose1',
  'capacity_dose2',
  'capacity_precaution',
  'available_dose1',
  'available_dose2',
  'available_precaution',
  'slots',
  'allow_walk_in',
] as const;

export type SearchBy = { pincode: number } | { district_id: number } | { center_id: number };

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

    async updateCentre(db: Db, centerId: number, changes: CentreChanges): Promise<boolean> {
      const result = await db
        .updateTable('centres')
        .set(changes)
        .where('center_id', '=', centerId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    findCentre(db: Db, centerId: number) {
      return db
        .selectFrom('centres')
        .selectAll()
        .where('center_id', '=', centerId)
        .executeTakeFirst();
    },

    /** Centres by id, in id order, with the details their admins edit. */
    centresByIds(db: Db, centerIds: readonly number[]) {
      if (centerIds.length === 0) return Promise.resolve([]);
      return db
        .selectFrom('centres')
        .select([
          'center_id',
          'name',
          'address',
          'district_id',
          'block_name',
          'pincode',
          'lat',
          'long',
          'opens_at',
          'closes_at',
          'fee_type',
          'vaccine_fees',
          'active',
        ])
        .where('center_id', 'in', centerIds)
        .orderBy('center_id')
        .execute();
    },

    /** The sessions at these centres from `from` (YYYY-MM-DD) on, by date; at most `limit`. */
    sessionsFrom(db: Db, centerIds: readonly number[], from: string, limit: number) {
      if (centerIds.length === 0) return Promise.resolve([]);
      return db
        .selectFrom('vaccination_sessions')
        .select(SESSION_COLUMNS)
        .where('center_id', 'in', centerIds)
        .where('date', '>=', from)
        .orderBy('date')
        .orderBy('min_age_limit')
        .orderBy('session_id')
        .limit(limit)
        .execute();
    },

    async insertSession(db: Db, session: NewSession): Promise<string> {
      const row = await db
        .insertInto('vaccination_sessions')
        .values(session)
        .returning('session_id')
        .executeTakeFirstOrThrow();
      return row.session_id;
    },

    findSession(db: Db, sessionId: string) {
      return db
        .selectFrom('vaccination_sessions')
        .select(SESSION_COLUMNS)
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
    },

    /** The session, its row locked until the transaction ends (seat takers wait on it). */
    lockSession(db: Db, sessionId: string) {
      return db
        .selectFrom('vaccination_sessions')
        .select(SESSION_COLUMNS)
        .where('session_id', '=', sessionId)
        .forUpdate()
        .executeTakeFirst();
    },

    async updateSession(db: Db, sessionId: string, changes: SessionChanges): Promise<void> {
      await db
        .updateTable('vaccination_sessions')
        .set(changes)
        .where('session_id', '=', sessionId)
        .execute();
    },

    async countCentres(db: Db): Promise<number> {
      const row = await db
        .selectFrom('centres')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return row.n;
    },

    async stateOfDistrict(db: Db, districtId: number): Promise<number | undefined> {
      const row = await db
        .selectFrom('districts')
        .select('state_id')
        .where('district_id', '=', districtId)
        .executeTakeFirst();
      return row?.state_id;
    },

    async vaccineCodes(db: Db): Promise<string[]> {
      const rows = await db.selectFrom('vaccines').select('code').orderBy('code').execute();
      return rows.map((r) => r.code);
    },

    /**
     * One seat from a pool, atomically: the row lock taken by UPDATE serialises concurrent
     * takers, and `available > 0` is re-checked on the locked row, so no interleaving can
     * hand out more seats than there are. Undefined when the pool is empty or the session
     * does not exist.
     */
    takeSeat(db: Db, sessionId: string, pool: SeatPool) {
      const column = AVAILABLE[pool];
      return db
        .updateTable('vaccination_sessions')
        .set((eb) => ({ [column]: eb(column, '-', 1) }))
        .where('session_id', '=', sessionId)
        .where(column, '>', 0)
        .returning(SESSION_COLUMNS)
        .executeTakeFirst();
    },

    /** One seat back to its pool; never above capacity (false if the pool was full). */
    async giveSeatBack(db: Db, sessionId: string, pool: SeatPool): Promise<boolean> {
      const column = AVAILABLE[pool];
      const result = await db
        .updateTable('vaccination_sessions')
        .set((eb) => ({ [column]: eb(column, '+', 1) }))
        .where('session_id', '=', sessionId)
        .where((eb) => eb(column, '<', eb.ref(CAPACITY[pool])))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    /** Active centres' sessions from `from` to `to` (YYYY-MM-DD, inclusive), in display order. */
    searchSessions(
      db: Db,
      by: SearchBy,
      { from, to, vaccine }: { from: string; to: string; vaccine?: string | undefined },
    ) {
      let query = db
        .selectFrom('vaccination_sessions as s')
        .innerJoin('centres as c', 'c.center_id', 's.center_id')
        .innerJoin('districts as d', 'd.district_id', 'c.district_id')
        .innerJoin('states as st', 'st.state_id', 'c.state_id')
        .select([
          'c.center_id',
          'c.name',
          'c.address',
          'st.state_name',
          'd.district_name',
          'c.block_name',
          'c.pincode',
          'c.lat',
          'c.long',
          'c.opens_at',
          'c.closes_at',
          'c.fee_type',
          'c.vaccine_fees',
          's.session_id',
          's.date',
          's.vaccine',
          's.min_age_limit',
          's.max_age_limit',
          's.available_dose1',
          's.available_dose2',
          's.available_precaution',
          's.slots',
        ])
        .where('c.active', '=', true)
        .where('s.date', '>=', from)
        .where('s.date', '<=', to);
      if ('pincode' in by) query = query.where('c.pincode', '=', by.pincode);
      else if ('district_id' in by) query = query.where('c.district_id', '=', by.district_id);
      else query = query.where('c.center_id', '=', by.center_id);
      if (vaccine !== undefined) query = query.where('s.vaccine', '=', vaccine);
      return query
        .orderBy('c.name')
        .orderBy('c.center_id')
        .orderBy('s.date')
        .orderBy('s.min_age_limit')
        .orderBy('s.session_id')
        .execute();
    },

    /**
     * Active centres within `radiusKm` of a point, nearest first (great-circle distance in
     * km). A latitude/longitude box narrows the rows before the exact distance is computed.
     */
    nearestCentres(
      db: Db,
      {
        lat,
        long,
        radiusKm,
        limit,
      }: { lat: number; long: number; radiusKm: number; limit: number },
    ) {
      const dLat = radiusKm / 111.2;
      const dLong = radiusKm / Math.max(1, 111.32 * Math.cos((lat * Math.PI) / 180));
      const distance = sql<number>`6371 * 2 * asin(sqrt(
        power(sin(radians(c.lat - ${lat}) / 2), 2)
        + cos(radians(${lat})) * cos(radians(c.lat)) * power(sin(radians(c.long - ${long}) / 2), 2)))`;
      return db
        .selectFrom('centres as c')
        .innerJoin('districts as d', 'd.district_id', 'c.district_id')
        .innerJoin('states as st', 'st.state_id', 'c.state_id')
        .select([
          'c.center_id',
          'c.name',
          'd.district_name',
          'st.state_name',
          'c.address',
          'c.pincode',
          'c.block_name',
          'c.lat',
          'c.long',
          distance.as('distance'),
        ])
        .where('c.active', '=', true)
        .where('c.lat', '>=', lat - dLat)
        .where('c.lat', '<=', lat + dLat)
        .where('c.long', '>=', long - dLong)
        .where('c.long', '<=', long + dLong)
        .where(distance, '<=', radiusKm)
        .orderBy(distance)
        .orderBy('c.center_id')
        .limit(limit)
        .execute();
    },
  };
}

export type FacilityStore = ReturnType<typeof createFacilityStore>;
export type SearchRow = Awaited<ReturnType<FacilityStore['searchSessions']>>[number];
export type SessionRow = NonNullable<Awaited<ReturnType<FacilityStore['findSession']>>>;
