import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';

import {
  type DatabaseHandle,
  openPglite,
  openPostgres,
  pgliteOptions,
} from '../../server/db/index.js';
import { adminQuery, databaseUrl } from './postgres.js';

export const engine = inject('engine');

/** A fresh, migrated database of its own for one test file (or one test). */
export async function freshDatabase(poolSize = 10): Promise<DatabaseHandle & { url?: string }> {
  if (engine === 'postgres') {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL must be set for the PostgreSQL test run');
    const name = `teeka_t_${randomBytes(6).toString('hex')}`;
    await adminQuery(url, `CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
    const own = databaseUrl(url, name);
    const handle = openPostgres(own, poolSize);
    return {
      ...handle,
      url: own,
      async close() {
        await handle.close();
        await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  const dump = await readFile(inject('pgliteTemplate'));
  const pglite = new PGlite({ ...pgliteOptions(), loadDataDir: new Blob([dump]) });
  await pglite.waitReady;
  return openPglite(pglite);
}
