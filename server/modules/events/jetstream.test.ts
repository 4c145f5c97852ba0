import { connect, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { freshDatabase } from '../../../test/helpers/db.js';
import {
  createEffectsTable,
  effectConsumer,
  effects,
  testBus,
  testKeys,
} from '../../../test/helpers/events.js';
import { defineConsumer } from './consumers.js';

const NATS_URL = process.env.NATS_URL;

/** Real JetStream on this machine; each test has its own stream (a unique prefix). */
describe.runIf(NATS_URL)('events through NATS JetStream', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let nc: NatsConnection;
  const buses: ReturnType<typeof testBus>[] = [];

  beforeAll(async () => {
    database = await freshDatabase();
    await createEffectsTable(database.db);
    nc = await connect({ servers: NATS_URL });
  });
  // One database serves every test: a relay left running would publish the next test's rows.
  afterEach(async () => {
    await Promise.all(buses.map((b) => b.bus.stop()));
  });
  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    for (const b of buses) await jsm.streams.delete(`${b.prefix}-events`).catch(() => false);
    await nc.close();
    await database.close();
  });

  const node = (options: Parameters<typeof testBus>[1] = {}) => {
    const made = testBus(database.db, { natsUrl: NATS_URL, ...options });
    buses.push(made);
    return made;
  };
  const waitFor = async (check: () => boolean | Promise<boolean>, tries = 400) => {
    for (let i = 0; i < tries && !(await check()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await check()).toBe(true);
  };
  const add = (bus: ReturnType<typeof testBus>['bus'], topic: string, n: number) =>
    database.db.transaction().execute((tx) => bus.outbox.add(tx, { topic, payload: { n } }));
  const streamMessages = async (prefix: string) =>
    (await (await nc.jetstreamManager()).streams.info(`${prefix}-events`)).state.messages;
  const outboxRows = () => database.db.selectFrom('outbox_events').selectAll().execute();

  it('publishes committed events, deletes them from the outbox, and consumes each once; the stream keeps nothing acknowledged', async () => {
    const { bus, prefix, count } = node();
    bus.register(effectConsumer('js-once', 'js.once'));
    const ids = [];
    // Committed while no relay ran (the node that wrote them crashed before publishing) ...
    for (let n = 0; n < 10; n++) ids.push(await add(bus, 'js.once', n));
    await bus.start();
    // ... and committed while it runs.
    for (let n = 10; n < 20; n++) ids.push(await add(bus, 'js.once', n));
    await waitFor(async () => (await effects(database.db, 'js-once')).length === 20);
    expect(new Set((await effects(database.db, 'js-once')).map((e) => e.event_id))).toEqual(
      new Set(ids),
    );
    await waitFor(async () => (await outboxRows()).length === 0);
    expect(await count('teeka_events_published_total', { topic: 'js.once' })).toBe(20);
    await waitFor(async () => (await streamMessages(prefix)) === 0);
  });

  it('the stream and consumers are made idempotently: a second node with the same prefix starts and shares the work', async () => {
    const first = node();
    const second = node({ prefix: first.prefix, keys: first.keys });
    for (const { bus } of [first, second]) bus.register(effectConsumer('js-shared', 'js.shared'));
    await first.bus.start();
    await second.bus.start();
    for (let n = 0; n < 60; n++) await add(n % 2 ? first.bus : second.bus, 'js.shared', n);
    await waitFor(async () => (await effects(database.db, 'js-shared')).length === 60);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const done = await effects(database.db, 'js-shared');
    expect(done).toHaveLength(60);
    expect(new Set(done.map((e) => e.event_id)).size).toBe(60);
    const published = async (t: typeof first) =>
      t.count('teeka_events_published_total', { topic: 'js.shared' });
    expect((await published(first)) + (await published(second))).toBe(60);
  });

  it('a re-publish under the same message id (a relay that crashed before deleting its rows) is dropped by JetStream', async () => {
    const { bus, count } = node();
    bus.register(effectConsumer('js-dedupe', 'js.dedupe'));
    await bus.start();
    const id = await add(bus, 'js.dedupe', 1);
    const [row] = (await outboxRows()).filter((r) => r.id === id);
    await waitFor(async () => (await effects(database.db, 'js-dedupe')).length === 1);
    await waitFor(async () => (await outboxRows()).length === 0);
    // The relay's delete "never happened": the row is back, unclaimed, and is published again.
    if (row) {
      await database.db
        .insertInto('outbox_events')
        .values({ ...row, seq: undefined, claimed_until: null })
        .execute();
    }
    await waitFor(async () => (await outboxRows()).length === 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await effects(database.db, 'js-dedupe')).toHaveLength(1);
    expect(await count('teeka_events_published_total', { topic: 'js.dedupe' })).toBe(1);
    // JetStream never delivered it again: the consumer saw no duplicate either.
    expect(await count('teeka_events_consumed_total', { consumer: 'js-dedupe' })).toBe(1);
  });

  it('redelivers an event that was not acknowledged (a node died while handling it)', async () => {
    const { bus } = node({ ackWaitMs: 1000 });
    const handled: { n: number; delivery: number }[] = [];
    let deliveries = 0;
    let abandon: (() => void) | undefined;
    bus.register(
      defineConsumer({
        name: 'js-noack',
        topic: 'js.noack',
        payload: z.object({ n: z.number() }),
        effect: 'external',
        async handle(_db, event) {
          deliveries++;
          // The first delivery hangs, as in a node that froze: no ack, no nak.
          if (deliveries === 1) {
            await new Promise<void>((_resolve, reject) => {
              abandon = () => reject(new Error('abandoned'));
            });
          }
          handled.push({ n: event.payload.n, delivery: deliveries });
        },
      }),
    );
    await bus.start();
    await add(bus, 'js.noack', 42);
    await waitFor(() => handled.length === 1);
    expect(handled).toEqual([{ n: 42, delivery: 2 }]);
    abandon?.();
  });

  it('retries a failing consumer with backoff (nak with delay), then buries the event and terminates it', async () => {
    const { bus, prefix, count } = node();
    bus.register(effectConsumer('js-dead', 'js.dead', () => true));
    await bus.start();
    const id = await add(bus, 'js.dead', 1);
    await waitFor(
      async () =>
        (
          await database.db
            .selectFrom('processed_events')
            .select('outcome')
            .where('consumer', '=', 'js-dead')
            .where('event_id', '=', id)
            .executeTakeFirst()
        )?.outcome === 'dead',
    );
    expect(await count('teeka_events_failed_total', { consumer: 'js-dead' })).toBe(3);
    expect(await count('teeka_events_dead_total', { consumer: 'js-dead' })).toBe(1);
    expect(await effects(database.db, 'js-dead')).toEqual([]);
    await waitFor(async () => (await streamMessages(prefix)) === 0);
  });

  it('payloads travel encrypted: a subscriber on the subject sees no plaintext', async () => {
    const { bus, prefix, keys } = node({ keys: testKeys() });
    expect(keys).toBeDefined();
    await bus.start();
    const seen: string[] = [];
    const sub = nc.subscribe(`${prefix}.events.js.sealed`, {
      callback: (_e, m) => seen.push(m.string()),
    });
    await nc.flush();
    await database.db
      .transaction()
      .execute((tx) => bus.outbox.add(tx, { topic: 'js.sealed', payload: { to: '9876543210' } }));
    await waitFor(() => seen.length === 1);
    sub.unsubscribe();
    expect(seen[0]).not.toContain('9876543210');
    expect(JSON.parse(seen[0] ?? '{}')).toMatchObject({
      topic: 'js.sealed',
      payloadEnc: expect.stringMatching(/^v1\./),
    });
  });
});
