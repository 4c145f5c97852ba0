import { randomBytes } from 'node:crypto';

import { afterAll, describe, expect, it } from 'vitest';

import { cliDeployment, teeka } from '../../test/helpers/cli.js';
import { engine } from '../../test/helpers/db.js';
import { auditRows } from '../../test/helpers/staff.js';
import { loadConfig } from '../config.js';
import { openConfiguredDatabase } from '../db/open.js';
import { buildApp } from '../http/app.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

const STATES = '/api/v2/admin/location/states';
/** One deployment for the refusals: none of them may reach its database. */
let refusing: Record<string, string> | undefined;

/** The deployment's server, briefly: what it enforces and what the audit trail holds. */
async function withServer<T>(
  env: Record<string, string>,
  run: (
    app: Awaited<ReturnType<typeof buildApp>>,
    db: Awaited<ReturnType<typeof openConfiguredDatabase>>['db'],
  ) => Promise<T>,
) {
  const config = loadConfig(env);
  const database = await openConfiguredDatabase(config);
  const app = await buildApp({ config, database });
  try {
    return await run(app, database.db);
  } finally {
    await app.close();
    await database.close();
  }
}

describe('teeka kill-switch', () => {
  it('switches the public APIs off and back on, audited as system/cli, and shows the status', async () => {
    const env = await cliDeployment(cleanup);
    const off = await teeka(env, 'kill-switch', 'on', '--public', '--reason', 'scraping attack');
    expect(off.code, off.output).toBe(0);
    expect(off.output).toContain('public is switched off (version 1)');

    const status = await teeka(env, 'kill-switch', 'status');
    expect(status.code).toBe(0);
    expect(status.output).toMatch(
      /public {2}since \S+ {2}by system:cli {2}reason: scraping attack/,
    );

    await withServer(env, async (app, db) => {
      expect((await app.inject(STATES)).statusCode).toBe(503);
      expect(await auditRows(db, 'kill-switch.engage')).toEqual([
        expect.objectContaining({
          actor_type: 'system',
          actor_id: 'cli',
          subject_id: 'public',
          reason: 'scraping attack',
        }),
      ]);
    });

    const again = await teeka(env, 'kill-switch', 'on', '--public', '--reason', 'scraping attack');
    expect(again.output).toContain('public was switched off already; nothing changed.');

    const on = await teeka(env, 'kill-switch', 'off', '--public', '--reason', 'attack over');
    expect(on.code, on.output).toBe(0);
    expect(on.output).toContain('public is back on (version 2)');
    expect(on.output).toContain('Every API is on (version 2).');
    await withServer(env, async (app) => {
      expect((await app.inject(STATES)).statusCode).toBe(200);
    });
  }, 120_000);

  it('takes every target the admin API takes', async () => {
    const env = await cliDeployment(cleanup);
    for (const args of [
      ['--all-partners'],
      ['--client', 'acme-health'],
      ['--scope', 'certificate:consented'],
      ['--citizen'],
    ]) {
      const result = await teeka(env, 'kill-switch', 'on', ...args, '--reason', 'drill');
      expect(result.code, result.output).toBe(0);
    }
    const status = await teeka(env, 'kill-switch', 'status');
    for (const name of [
      'all-partners',
      'client:acme-health',
      'scope:certificate:consented',
      'citizen',
    ])
      expect(status.output).toContain(`  ${name}  since`);
  }, 120_000);

  it.each([
    [['--reason', 'drill'], 'Name exactly one target'],
    [['--public', '--citizen', '--reason', 'drill'], 'Name exactly one target'],
    [
      ['--scope', 'everything:write', '--reason', 'drill'],
      'scope:everything:write is not a target',
    ],
    [['--client', 'a b', '--reason', 'drill'], 'client:a b is not a target'],
    [['--public', '--reason', 'x'], 'Give a --reason of 3 to 500 characters'],
    [['--public'], 'Give a --reason of 3 to 500 characters'],
  ])('refuses %j with exit code 1: %s', async (args, message) => {
    refusing ??= await cliDeployment(cleanup);
    const env = refusing;
    const result = await teeka(env, 'kill-switch', 'on', ...args);
    expect(result.code).toBe(1);
    expect(result.output).toContain(message);
  });

  it.runIf(engine === 'pglite')(
    'says, on the embedded database, that the running server holds it and the admin API is the way',
    async () => {
      const env = await cliDeployment(cleanup);
      const held = await openConfiguredDatabase(loadConfig(env));
      try {
        const result = await teeka(env, 'kill-switch', 'on', '--public', '--reason', 'drill');
        expect(result.code).toBe(1);
        expect(result.output).toContain('is held by a running Teeka');
        expect(result.output).toContain('PUT /api/v1/admin/kill-switch');
      } finally {
        await held.close();
      }
    },
  );

  it.runIf(engine === 'postgres' && process.env.REDIS_URL)(
    'reaches a running node through Redis within 1 second',
    async () => {
      const env = {
        ...(await cliDeployment(cleanup)),
        REDIS_URL: process.env.REDIS_URL ?? '',
        TEEKA_REDIS_PREFIX: `test-cli-${randomBytes(6).toString('hex')}`,
      };
      await withServer(env, async (app) => {
        expect((await app.inject(STATES)).statusCode).toBe(200);
        // Past the subscriber's first connect, whose reload would hide the message path.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const result = await teeka(env, 'kill-switch', 'on', '--public', '--reason', 'drill');
        expect(result.code, result.output).toBe(0);
        const started = performance.now();
        while ((await app.inject(STATES)).statusCode !== 503) {
          expect(performance.now() - started).toBeLessThan(1000);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
    },
  );
});
