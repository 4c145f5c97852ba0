import { Writable } from 'node:stream';

import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freshDatabase } from '../../../test/helpers/db.js';
import {
  createEffectsTable,
  effectConsumer,
  effects,
  testBus,
} from '../../../test/helpers/events.js';
import { manualClock } from '../../platform/clock.js';
import { createEventStore } from './store.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  database = await freshDatabase();
  await createEffectsTable(database.db);
});
afterAll(() => database.close());

const store = createEventStore();
const rows = () => database.db.selectFrom('outbox_events').selectAll().execute();
const processed = (consumer: string) =>
  database.db
    .selectFrom('processed_events')
    .select(['event_id', 'outcome', 'attempts', 'error'])
    .where('consumer', '=', consumer)
    .execute();

describe('the transactional outbox', () => {
  it('holds an event exactly when its transaction commits, with the payload encrypted', async () => {
    const { bus } = testBus(database.db);
    const kept = await database.db
      .transaction()
      .execute((tx) =>
        bus.outbox.add(tx, { topic: 'test.written', key: 'k1', payload: { secret: '9876543210' } }),
      );
    await expect(
      database.db.transaction().execute(async (tx) => {
        await bus.outbox.add(tx, { topic: 'test.written', payload: { secret: 'rolled back' } });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const written = (await rows()).filter((r) => r.topic === 'test.written');
    expect(written.map((r) => r.id)).toEqual([kept]);
    expect(written[0]?.key).toBe('k1');
    expect(written[0]?.payload_enc).toMatch(/^v1\./);
    expect(JSON.stringify(written)).not.toContain('9876543210');
    await bus.drain(); // no consumer has this topic: handed on means gone
    expect(await rows()).toEqual([]);
  });

  it('refuses a topic that is not dotted lower-case words', async () => {
    const { bus } = testBus(database.db);
    for (const topic of ['', 'Upper.case', 'a..b', 'a.b.c.d.e', 'sms.>', 'a b']) {
      await expect(
        database.db.transaction().execute((tx) => bus.outbox.add(tx, { topic, payload: {} })),
      ).rejects.toThrow(/Not a valid event topic/);
    }
  });
});

describe('in-process delivery', () => {
  it('hands each event to every consumer of its topic once, then deletes it; a redelivery changes nothing', async () => {
    const { bus, count } = testBus(database.db);
    bus.register(effectConsumer('first', 'test.once'));
    bus.register(effectConsumer('second', 'test.once'));
    bus.register(effectConsumer('elsewhere', 'test.other'));
    const ids = await database.db.transaction().execute(async (tx) => {
      const out = [];
      for (let n = 0; n < 5; n++) {
        out.push(await bus.outbox.add(tx, { topic: 'test.once', payload: { n } }));
      }
      return out;
    });
    const before = (await rows()).filter((r) => ids.includes(r.id));
    await bus.drain();
    expect(await rows()).toEqual([]);
    for (const consumer of ['first', 'second']) {
      expect((await effects(database.db, consumer)).map((e) => e.event_id).sort()).toEqual(
        [...ids].sort(),
      );
      expect((await processed(consumer)).every((p) => p.outcome === 'done')).toBe(true);
    }
    expect(await effects(database.db, 'elsewhere')).toEqual([]);

    // The same events again, as after a crash between a consumer's commit and the row's
    // removal (or a re-publish): each consumer finds its record and does nothing.
    for (const row of before) {
      await database.db
        .insertInto('outbox_events')
        .values({ ...row, seq: undefined })
        .execute();
    }
    await bus.drain();
    expect(await effects(database.db, 'first')).toHaveLength(5);
    expect(await effects(database.db, 'second')).toHaveLength(5);
    expect(await count('teeka_events_consumed_total', { consumer: 'first', outcome: 'done' })).toBe(
      5,
    );
    expect(
      await count('teeka_events_consumed_total', { consumer: 'first', outcome: 'duplicate' }),
    ).toBe(5);
  });

  it('retries a failing consumer with backoff, without repeating the consumers that succeeded', async () => {
    const clock = manualClock(new Date('2026-06-01T10:00:00Z'));
    const { bus, count } = testBus(database.db, { clock });
    let tries = 0;
    bus.register(effectConsumer('steady', 'test.retry'));
    bus.register(effectConsumer('flaky', 'test.retry', () => ++tries <= 2));
    const id = await database.db
      .transaction()
      .execute((tx) => bus.outbox.add(tx, { topic: 'test.retry', payload: { n: 1 } }));

    await bus.drain();
    expect(tries).toBe(1);
    const [waiting] = await rows();
    expect(waiting).toMatchObject({ id, attempts: 1, last_error: 'Error', claimed_until: null });
    expect(waiting?.available_at).toEqual(new Date('2026-06-01T10:00:01Z'));
    await bus.drain(); // not due yet
    expect(tries).toBe(1);
    clock.advance(1000);
    await bus.drain();
    expect(tries).toBe(2);
    expect((await rows())[0]?.available_at).toEqual(new Date('2026-06-01T10:00:03Z'));
    clock.advance(2000);
    await bus.drain();
    expect(tries).toBe(3);
    expect(await rows()).toEqual([]);
    // The failed tries rolled back with their transactions: one effect each.
    expect(await effects(database.db, 'steady')).toHaveLength(1);
    expect(await effects(database.db, 'flaky')).toHaveLength(1);
    expect(await count('teeka_events_failed_total', { consumer: 'flaky' })).toBe(2);
    expect(
      await count('teeka_events_consumed_total', { consumer: 'steady', outcome: 'done' }),
    ).toBe(1);
    expect(
      await count('teeka_events_consumed_total', { consumer: 'steady', outcome: 'duplicate' }),
    ).toBe(2);
  });

  it('buries a poison event at once and a hopeless one after the last try: logged without the payload, counted', async () => {
    const clock = manualClock(new Date('2026-06-01T10:00:00Z'));
    const logs: string[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(chunk.toString());
          done();
        },
      }),
    );
    const { bus, count } = testBus(database.db, { clock, log });
    bus.register(effectConsumer('hopeless', 'test.dead', () => true));
    const [poison, hopeless] = await database.db
      .transaction()
      .execute(async (tx) => [
        await bus.outbox.add(tx, { topic: 'test.dead', payload: { n: 'not a number 9876543210' } }),
        await bus.outbox.add(tx, { topic: 'test.dead', payload: { n: 7 } }),
      ]);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await bus.drain();
      clock.advance(60_000);
    }
    expect(await rows()).toEqual([]);
    const dead = await processed('hopeless');
    expect(dead.find((d) => d.event_id === poison)).toMatchObject({
      outcome: 'dead',
      attempts: 1,
      error: 'PoisonEvent',
    });
    expect(dead.find((d) => d.event_id === hopeless)).toMatchObject({
      outcome: 'dead',
      attempts: 3,
      error: 'Error',
    });
    expect(await effects(database.db, 'hopeless')).toEqual([]);
    expect(await count('teeka_events_dead_total', { consumer: 'hopeless' })).toBe(2);
    const letters = logs.filter((line) => line.includes('dead letter'));
    expect(letters).toHaveLength(2);
    expect(logs.join('\n')).not.toContain('9876543210');
  });

  it('takes over the events of a node that claimed them and died, once its lease runs out', async () => {
    const clock = manualClock(new Date('2026-06-01T10:00:00Z'));
    const { bus } = testBus(database.db, { clock });
    bus.register(effectConsumer('survivor', 'test.lease'));
    const id = await database.db
      .transaction()
      .execute((tx) => bus.outbox.add(tx, { topic: 'test.lease', payload: { n: 1 } }));
    const now = clock.now();
    const [claimed] = await store.claim(database.db, {
      now,
      until: new Date(now.getTime() + 30_000),
      limit: 10,
    });
    expect(claimed?.id).toBe(id); // ... and the claiming node dies here
    await bus.drain();
    expect(await effects(database.db, 'survivor')).toEqual([]);
    clock.advance(30_000);
    await bus.drain();
    expect((await effects(database.db, 'survivor')).map((e) => e.event_id)).toEqual([id]);
    expect(await rows()).toEqual([]);
  });

  it('reports the outbox lag: pending events and the age of the oldest', async () => {
    const clock = manualClock(new Date('2026-06-01T10:00:00Z'));
    const { bus, count } = testBus(database.db, { clock });
    bus.register(effectConsumer('lagging', 'test.lag'));
    for (let n = 0; n < 2; n++) {
      await database.db
        .transaction()
        .execute((tx) => bus.outbox.add(tx, { topic: 'test.lag', payload: { n } }));
    }
    clock.advance(5_000);
    expect(await count('teeka_outbox_pending', {})).toBe(2);
    expect(await count('teeka_outbox_oldest_age_seconds', {})).toBe(5);
    await bus.drain();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // one reading serves a scrape for 1 s
    expect(await count('teeka_outbox_pending', {})).toBe(0);
    expect(await count('teeka_outbox_oldest_age_seconds', {})).toBe(0);
  });

  it('forgets handled events after two days, and keeps the dead letters', async () => {
    const old = new Date('2026-01-01T00:00:00Z');
    for (const outcome of ['done', 'dead'] as const) {
      await store.record(database.db, {
        consumer: 'forgetful',
        event_id:
          outcome === 'done'
            ? '00000000-0000-4000-8000-000000000001'
            : '00000000-0000-4000-8000-000000000002',
        topic: 'test.forget',
        outcome,
        attempts: 1,
        error: null,
        processed_at: old,
      });
    }
    await store.forgetProcessedBefore(database.db, new Date('2026-01-03T00:00:00Z'));
    expect((await processed('forgetful')).map((p) => p.outcome)).toEqual(['dead']);
    const { rows: left } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'forgetful'`.execute(
      database.db,
    );
    expect(left[0]?.n).toBe(1);
  });
});
