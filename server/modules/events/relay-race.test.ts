import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engine, freshDatabase } from '../../../test/helpers/db.js';
import {
  createEffectsTable,
  effectConsumer,
  effects,
  testBus,
  testKeys,
} from '../../../test/helpers/events.js';
import { type DatabaseHandle, openPostgres } from '../../db/index.js';
import { systemClock } from '../../platform/clock.js';
import { createConsumerRunner } from './consumers.js';
import { createEventStore } from './store.js';

/** Real concurrency: two connection pools on one PostgreSQL database, as two nodes have. */
describe.runIf(engine === 'postgres')('outbox relays on two nodes at once (PostgreSQL)', () => {
  let database: DatabaseHandle & { url?: string };
  let nodeA: DatabaseHandle;
  let nodeB: DatabaseHandle;
  const store = createEventStore();
  const keys = testKeys();

  beforeAll(async () => {
    database = await freshDatabase();
    nodeA = openPostgres(database.url ?? '', 6);
    nodeB = openPostgres(database.url ?? '', 6);
    await createEffectsTable(database.db);
  });
  afterAll(async () => {
    await nodeA.close();
    await nodeB.close();
    await database.close();
  });

  async function addEvents(topic: string, count: number) {
    const { bus } = testBus(database.db, { keys });
    return database.db.transaction().execute(async (tx) => {
      const ids: string[] = [];
      for (let n = 0; n < count; n++) ids.push(await bus.outbox.add(tx, { topic, payload: { n } }));
      return ids;
    });
  }

  it('concurrent claimers on two pools take disjoint rows, and together all of them', async () => {
    const ids = await addEvents('race.claim', 600);
    const claimer = async (db: DatabaseHandle['db']) => {
      const mine: string[] = [];
      for (;;) {
        const now = new Date();
        const rows = await store.claim(db, {
          now,
          until: new Date(now.getTime() + 60_000),
          limit: 7,
        });
        if (rows.length === 0) return mine;
        mine.push(...rows.map((r) => r.id));
      }
    };
    const claims = await Promise.all(
      [nodeA.db, nodeA.db, nodeA.db, nodeB.db, nodeB.db, nodeB.db].map((db) => claimer(db)),
    );
    const all = claims.flat();
    expect(all).toHaveLength(600);
    expect(new Set(all).size).toBe(600);
    expect(new Set(all)).toEqual(new Set(ids));
    expect(claims.filter((c) => c.length > 0).length).toBeGreaterThan(1);
    await database.db.deleteFrom('outbox_events').execute();
  });

  it('two nodes draining in process at once: every event takes effect exactly once', async () => {
    const a = testBus(nodeA.db, { keys });
    const b = testBus(nodeB.db, { keys });
    a.bus.register(effectConsumer('race-drain', 'race.drain'));
    b.bus.register(effectConsumer('race-drain', 'race.drain'));
    const ids = await addEvents('race.drain', 400);
    await Promise.all([a.bus.drain(), b.bus.drain(), a.bus.drain(), b.bus.drain()]);
    const done = await effects(database.db, 'race-drain');
    expect(done).toHaveLength(400);
    expect(new Set(done.map((e) => e.event_id))).toEqual(new Set(ids));
    const handled = async (t: typeof a) =>
      t.count('teeka_events_consumed_total', { consumer: 'race-drain', outcome: 'done' });
    expect((await handled(a)) + (await handled(b))).toBe(400);
    expect(await handled(a)).toBeGreaterThan(0);
    expect(await handled(b)).toBeGreaterThan(0);
  });

  it('the same event delivered to two nodes at the same moment takes effect once', async () => {
    // As when a lease runs out under a slow node, or JetStream redelivers to another.
    const consumer = effectConsumer('race-twice', 'race.twice');
    const runner = (db: DatabaseHandle['db']) =>
      createConsumerRunner({ db, store, clock: systemClock, log: undefined, metrics: undefined });
    const [a, b] = [runner(nodeA.db), runner(nodeB.db)];
    const events = Array.from({ length: 60 }, (_, n) => ({
      id: randomUUID(),
      topic: 'race.twice',
      key: null,
      createdAt: new Date(),
      payload: { n },
    }));
    const outcomes = await Promise.all(
      events.flatMap((event) => [a.deliver(consumer, event, 1), b.deliver(consumer, event, 1)]),
    );
    expect(outcomes.filter((o) => o === 'done')).toHaveLength(60);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(60);
    const done = await effects(database.db, 'race-twice');
    expect(done).toHaveLength(60);
    expect(new Set(done.map((e) => e.event_id))).toEqual(new Set(events.map((e) => e.id)));
  });
});
