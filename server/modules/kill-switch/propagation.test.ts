import { randomBytes } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';

import { engine, freshDatabase } from '../../../test/helpers/db.js';
import { loadConfig } from '../../config.js';
import { openPostgres } from '../../db/index.js';
import { type App, buildApp } from '../../http/app.js';
import { createKillSwitchStore } from './store.js';
import { connectRedis } from './sync.js';

/**
 * Two app instances on one PostgreSQL database, as two nodes would be: a change made on
 * node A must be enforced by node B within 1 second, by whatever path B follows changes.
 * Between real server processes: test/kill-switch-nodes.test.ts.
 */
const STATES = '/api/v2/admin/location/states';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function nodes(redis: boolean) {
  const database = await freshDatabase(4);
  cleanup.push(() => database.close());
  const second = openPostgres(database.url ?? '', 4);
  cleanup.push(() => second.close());
  const prefix = `test-ks-${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TEEKA_DEMO_SEED: 'false',
    TEEKA_MASTER_KEY: `nodes:${randomBytes(32).toString('base64')}`,
    ...(redis ? { REDIS_URL: process.env.REDIS_URL ?? '', TEEKA_REDIS_PREFIX: prefix } : {}),
  });
  const a = await buildApp({ config, database });
  const b = await buildApp({ config, database: second });
  cleanup.push(
    () => a.close(),
    () => b.close(),
  );
  await a.ready();
  await b.ready();
  return { a, b, db: database.db, prefix };
}

/** Polls `app` until the public route answers `status`; the time it took. */
async function until(app: App, status: number, limitMs = 8_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if ((await app.inject(STATES)).statusCode === status) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no ${status} within ${limitMs} ms`);
}

/** Lets B's subscriber connect: its first "ready" reloads, which would hide the path under test. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

const system = { type: 'system', id: 'test' } as const;
const publicSwitch = (killSwitch: 'on' | 'off') =>
  ({ target: { kind: 'public' }, killSwitch, reason: 'propagation drill' }) as const;

/** A writer that reached the database but not Redis: the change commits, nobody is told. */
async function silentChange(db: Awaited<ReturnType<typeof nodes>>['db']) {
  const store = createKillSwitchStore();
  return db.transaction().execute(async (tx) => {
    await store.insert(tx, {
      target: 'public',
      reason: 'written without an announcement',
      switched_off_at: new Date(),
      actor_type: 'system',
      actor_id: 'test',
    });
    return store.bump(tx);
  });
}

const modes: [string, boolean][] = [
  ['database poll (no Redis)', false],
  ...(process.env.REDIS_URL ? ([['Redis pub/sub', true]] as [string, boolean][]) : []),
];

describe.runIf(engine === 'postgres')('kill switch across nodes on PostgreSQL', () => {
  it.each(modes)(
    '%s: node B refuses within 1 s of a switch on node A, and answers again within 1 s of the switch back',
    async (_mode, redis) => {
      const { a, b, db } = await nodes(redis);
      expect((await b.inject(STATES)).statusCode).toBe(200);

      await a.killSwitch.service.change(db, publicSwitch('on'), system);
      // The node that switched enforces it before it answers.
      expect((await a.inject(STATES)).statusCode).toBe(503);
      expect(await until(b, 503)).toBeLessThan(1000);
      expect(b.killSwitch.board.version()).toBe(a.killSwitch.board.version());

      await a.killSwitch.service.change(db, publicSwitch('off'), system);
      expect(await until(b, 200)).toBeLessThan(1000);
    },
  );

  it.runIf(process.env.REDIS_URL)(
    'Redis: a missed message is caught by the version key within 1 s',
    async () => {
      const { b, db, prefix } = await nodes(true);
      await settle();
      const version = await silentChange(db);
      const redis = connectRedis(process.env.REDIS_URL ?? '', { offlineQueue: true });
      cleanup.push(async () => {
        await redis.quit();
      });
      // The key alone, as if the published message had been lost on the way.
      await redis.set(`${prefix}:kill-switch:version`, String(version));
      expect(await until(b, 503)).toBeLessThan(1000);
    },
  );

  it.runIf(process.env.REDIS_URL)(
    'Redis: a writer that could not reach Redis is caught from the database within about 5 s',
    async () => {
      const { b, db } = await nodes(true);
      await settle();
      await silentChange(db);
      const elapsed = await until(b, 503);
      // Neither the message nor the key told B: only the database backstop did.
      expect(elapsed).toBeGreaterThan(250);
      expect(elapsed).toBeLessThan(6_000);
    },
  );
});

describe.runIf(engine === 'postgres')('kill switch under concurrent changes (PostgreSQL)', () => {
  it('one of many concurrent switches of a target changes it; the version counts the changes; every attempt is audited', async () => {
    const { a, b, db } = await nodes(false);
    const targets = ['public', 'citizen', 'all-partners'] as const;
    const attempts = targets.flatMap((kind) => [a, b, a, b].map((node) => ({ node, kind })));
    const results = await Promise.all(
      attempts.map(({ node, kind }) =>
        node.killSwitch.service.change(
          db,
          { target: { kind }, killSwitch: 'on', reason: 'race drill' },
          system,
        ),
      ),
    );
    for (const kind of targets) {
      const changed = results.filter((result, i) => attempts[i]?.kind === kind && result.changed);
      expect(changed, kind).toHaveLength(1);
    }
    const status = await a.killSwitch.service.status(db);
    expect(status.version).toBe(targets.length);
    expect(status.switchedOff.map((off) => off.name).sort()).toEqual([...targets].sort());
    const audited = await db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'kill-switch.engage')
      .execute();
    expect(audited).toHaveLength(attempts.length);
    expect(audited.filter((row) => row.details.changed === true)).toHaveLength(targets.length);
  });
});
