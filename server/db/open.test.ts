import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../config.js';
import { migrateToLatest } from './migrate.js';
import { DataDirLockedError, openConfiguredDatabase } from './open.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('embedded data directory', () => {
  it('persists, refuses a second holder with a clear message, and frees the lock on close', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'teeka-datadir-'));
    dirs.push(dataDir);
    const config = { ...loadConfig({ TEEKA_DATA_DIR: dataDir }), databaseUrl: undefined };

    const first = await openConfiguredDatabase(config);
    expect(first.engine).toBe('pglite');
    expect(await migrateToLatest(first.db)).toContain('0001_master_data');

    const second = openConfiguredDatabase(config);
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(second).rejects.toThrow(
      `The data directory ${dataDir} is in use by another running Teeka`,
    );
    await first.close();

    const reopened = await openConfiguredDatabase(config);
    expect(await migrateToLatest(reopened.db)).toEqual([]); // persisted: nothing left to apply
    const states = await reopened.db.selectFrom('states').select('state_id').execute();
    expect(states).toHaveLength(37);
    await reopened.close();
  });
});
