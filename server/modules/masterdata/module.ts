import type { Db } from '../../db/index.js';
import { masterDataRoutes } from './routes.js';
import { createMasterDataService } from './service.js';
import { createMasterDataStore } from './store.js';

export function createMasterDataModule({ db }: { db: Db }) {
  const service = createMasterDataService({ store: createMasterDataStore() });
  return { service, routes: masterDataRoutes({ db, service }) };
}
