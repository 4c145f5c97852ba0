import type { Db } from '../../db/index.js';
import { NotFound } from '../../http/errors.js';
import type { createMasterDataStore } from './store.js';

/** CoWIN answers location lists with "ttl": 24 (hours a client may cache them). */
const LOCATION_TTL_HOURS = 24;

export function createMasterDataService({
  store,
}: {
  store: ReturnType<typeof createMasterDataStore>;
}) {
  return {
    async states(db: Db) {
      return { states: await store.states(db), ttl: LOCATION_TTL_HOURS };
    },
    async districts(db: Db, stateId: number) {
      const districts = await store.districts(db, stateId);
      if (districts.length === 0 && !(await store.stateExists(db, stateId))) {
        throw new NotFound(`There is no state with state_id ${stateId}.`, 'unknown-state');
      }
      return { districts, ttl: LOCATION_TTL_HOURS };
    },
  };
}
