import { randomBytes } from 'node:crypto';

import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../test/helpers/app.js';
import { engine, freshDatabase } from '../../test/helpers/db.js';
import { adminQuery, databaseUrl } from '../../test/helpers/postgres.js';
import { ConfigError, loadConfig } from '../config.js';
import { openPostgres } from './index.js';
import { migrateToLatest } from './migrate.js';

describe('database limits configuration', () => {
  it('reads the statement and connect timeouts, 10 s and 5 s by default', () => {
    const defaults = loadConfig({});
    expect(defaults.databaseStatementTimeoutMs).toBe(10_000);
    expect(defaults.databaseConnectTimeoutMs).toBe(5_000);
    const set = loadConfig({
      DATABASE_STATEMENT_TIMEOUT_MS: '250',
      DATABASE_CONNECT_TIMEOUT_MS: '0',
    });
    expect(set.databaseStatementTimeoutMs).toBe(250);
    expect(set.databaseConnectTimeoutMs).toBe(0);
  });

  it('refuses a timeout that is not a whole number of milliseconds', () => {
    expect(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(
      'DATABASE_STATEMENT_TIMEOUT_MS',
    );
    expect(() => loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '-1' })).toThrow(ConfigError);
  });
});

describe.runIf(engine === 'postgres')('statement timeout on PostgreSQL', () => {
  const LIMIT_MS = 300;
  let base: Awaited<ReturnType<typeof freshDatabase>>;
  let t: TestApp;
  let blocker: pg.Client;

  beforeAll(async () => {
    base = await freshDatabase(1);
    const limited = openPostgres(base.url ?? '', 4, { statementTimeoutMs: LIMIT_MS });
    t = await testApp({}, { database: { ...limited, url: base.url } });
    blocker = new pg.Client({ connectionString: base.url });
    await blocker.connect();
  });
  afterAll(async () => {
    await blocker.end();
    await t.close();
    await base.close();
  });

  it('sets statement_timeout on every app connection and cancels a longer statement', async () => {
    const shown = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(
      t.database.db,
    );
    expect(shown.rows[0]?.statement_timeout).toBe(`${LIMIT_MS}ms`);
    await expect(sql`select pg_sleep(5)`.execute(t.database.db)).rejects.toMatchObject({
      code: '57014',
    });
  });

  it('answers 503 problem+json with Retry-After, not 500, when a query runs over the limit', async () => {
    // Another session holds the states table: the app's read waits on the lock until the
    // statement timeout stops it. The lock is held for as long as the test needs, so the
    // outcome does not depend on how fast the machine is.
    await blocker.query('begin');
    await blocker.query('lock table states in access exclusive mode');
    try {
      const stopped = await t.app.inject('/api/v2/admin/location/states');
      expect(stopped.statusCode).toBe(503);
      expect(stopped.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(stopped.headers['retry-after']).toBe('2');
      expect(stopped.json()).toMatchObject({ status: 503, code: 'database-timeout' });
    } finally {
      await blocker.query('rollback');
    }
    const after = await t.app.inject('/api/v2/admin/location/states');
    expect(after.statusCode).toBe(200);
    expect(after.json<{ states: unknown[] }>().states).toHaveLength(37);
  });
});

describe.runIf(engine === 'postgres')('migrations under a statement timeout', () => {
  it('run to the end on connections whose statement_timeout is shorter than a migration', async () => {
    const name = `teeka_t_${randomBytes(6).toString('hex')}`;
    const admin = process.env.DATABASE_URL ?? '';
    await adminQuery(admin, `CREATE DATABASE ${name}`);
    const limited = openPostgres(databaseUrl(admin, name), 2, { statementTimeoutMs: 1 });
    try {
      expect(await migrateToLatest(limited.db)).toContain('0001_master_data');
      // The app's own statements keep the limit afterwards.
      const shown = await sql<{
        statement_timeout: string;
      }>`show statement_timeout`.execute(limited.db);
      expect(shown.rows[0]?.statement_timeout).toBe('1ms');
    } finally {
      await limited.close();
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});
