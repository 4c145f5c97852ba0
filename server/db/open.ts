import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';

import type { Config } from '../config.js';
import { type DatabaseHandle, openPglite, openPostgres, pgliteOptions } from './index.js';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

/** Opens the configured engine: PostgreSQL when DATABASE_URL is set, PGlite in TEEKA_DATA_DIR otherwise. */
export async function openConfiguredDatabase(
  config: Pick<
    Config,
    | 'databaseUrl'
    | 'databasePoolSize'
    | 'databaseStatementTimeoutMs'
    | 'databaseConnectTimeoutMs'
    | 'dataDir'
  >,
): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    return openPostgres(config.databaseUrl, config.databasePoolSize, {
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
    });
  }

  await mkdir(config.dataDir, { recursive: true });
  let unlock: () => Promise<void>;
  try {
    unlock = await lockfile.lock(config.dataDir, {
      lockfilePath: path.join(config.dataDir, 'teeka.lock'),
      stale: 10_000,
      update: 2_000,
      onCompromised: () => undefined,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new DataDirLockedError(
        `The data directory ${config.dataDir} is in use by another running Teeka; stop it or set TEEKA_DATA_DIR to another directory.`,
      );
    }
    throw error;
  }
  const pglite = new PGlite(path.join(config.dataDir, 'pgdata'), pgliteOptions());
  await pglite.waitReady;
  const handle = openPglite(pglite);
  return {
    ...handle,
    async close() {
      await handle.close();
      await unlock();
    },
  };
}
