import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';

import { openPglite, openPostgres, pgliteOptions } from '../server/db/index.js';
import { migrateToLatest } from '../server/db/migrate.js';
import { adminQuery, databaseUrl } from './helpers/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    engine: 'pglite' | 'postgres';
    /** PostgreSQL: the migrated template database each test file clones. */
    templateDatabase: string;
    /** PGlite: a dump of the migrated data directory each test file loads. */
    pgliteTemplate: string;
  }
}

/**
 * Migrates one template database per run; every test file then gets its own fresh copy
 * (CREATE DATABASE ... TEMPLATE on PostgreSQL, loadDataDir on PGlite). With DATABASE_URL
 * set the suite runs on PostgreSQL, and an unreachable server fails the run: it never skips.
 */
export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (url) {
    const template = `teeka_tpl_${randomBytes(4).toString('hex')}`;
    await adminQuery(url, `CREATE DATABASE ${template}`);
    const handle = openPostgres(databaseUrl(url, template), 2);
    await migrateToLatest(handle.db);
    await handle.close();
    project.provide('engine', 'postgres');
    project.provide('templateDatabase', template);
    project.provide('pgliteTemplate', '');
    return async () => {
      await adminQuery(url, `DROP DATABASE IF EXISTS ${template}`);
    };
  }

  const pglite = new PGlite(pgliteOptions());
  const handle = openPglite(pglite);
  await migrateToLatest(handle.db);
  const dump = await pglite.dumpDataDir('none');
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-test-'));
  const file = path.join(dir, 'template.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  await handle.close();
  project.provide('engine', 'pglite');
  project.provide('templateDatabase', '');
  project.provide('pgliteTemplate', file);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
