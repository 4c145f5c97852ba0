import { randomBytes } from 'node:crypto';
import os from 'node:os';

import { connect } from 'nats';
import { z } from 'zod';

import { createKeyRing } from '../server/crypto/keys.js';
import { openPostgres } from '../server/db/index.js';
import { migrateToLatest } from '../server/db/migrate.js';
import { defineConsumer } from '../server/modules/events/consumers.js';
import { createEventBus } from '../server/modules/events/module.js';
import { systemClock } from '../server/platform/clock.js';
import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';

/**
 * Events per second through the outbox: written in transactions of 100, then relayed to
 * JetStream (with NATS_URL; in process without) and consumed, on NODES buses with a pool
 * each, as NODES server processes would. The consumer is an external-effect one (like SMS
 * sending, without the gateway): each event costs its idempotency check and record.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test NATS_URL=nats://127.0.0.1:4222 \
 *     npx tsx bench/outbox.ts [events=20000] [nodes=2]
 */
const EVENTS = Number(process.argv[2] ?? 20_000);
const NODES = Number(process.argv[3] ?? 2);
const url = process.env.DATABASE_URL;
const natsUrl = process.env.NATS_URL;
if (!url) throw new Error('Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');

const name = `teeka_bench_${randomBytes(4).toString('hex')}`;
const prefix = `bench-${randomBytes(4).toString('hex')}`;
await adminQuery(url, `CREATE DATABASE ${name}`);
const own = databaseUrl(url, name);
const setup = openPostgres(own, 4);
await migrateToLatest(setup.db);
const keys = createKeyRing(new Map([['bench', randomBytes(32)]]));

let consumed = 0;
const nodes = Array.from({ length: NODES }, () => {
  const database = openPostgres(own, 10);
  const bus = createEventBus({
    db: database.db,
    keys,
    clock: systemClock,
    config: { natsUrl, natsPrefix: prefix },
  });
  bus.register(
    defineConsumer({
      name: 'bench-sink',
      topic: 'bench.event',
      payload: z.object({ n: z.number(), to: z.string() }),
      effect: 'external',
      handle() {
        consumed++;
        return Promise.resolve();
      },
    }),
  );
  return { database, bus };
});

const writer =
  nodes[0]?.bus ??
  (() => {
    throw new Error('NODES must be at least 1');
  })();
let started = performance.now();
for (let i = 0; i < EVENTS; i += 100) {
  await setup.db.transaction().execute(async (tx) => {
    for (let n = i; n < Math.min(EVENTS, i + 100); n++) {
      await writer.outbox.add(tx, { topic: 'bench.event', payload: { n, to: '9876543210' } });
    }
  });
}
const writeSeconds = (performance.now() - started) / 1000;

started = performance.now();
for (const node of nodes) await node.bus.start();
const pending = async () =>
  (
    await setup.db
      .selectFrom('outbox_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;
// Done when every event was consumed and the outbox is empty again.
while (consumed < EVENTS || (await pending()) > 0) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const relaySeconds = (performance.now() - started) / 1000;
const left = { n: await pending() };

for (const node of nodes) {
  await node.bus.stop();
  await node.database.close();
}
await setup.close();
await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
if (natsUrl) {
  const nc = await connect({ servers: natsUrl });
  await (await nc.jetstreamManager()).streams.delete(`${prefix}-events`).catch(() => false);
  await nc.close();
}

const [load1] = os.loadavg();
console.log(
  `| ${new Date().toISOString().slice(0, 10)} | ${natsUrl ? 'PostgreSQL + JetStream' : 'PostgreSQL, in process'} | ${EVENTS} | ${NODES} | ${Math.round(EVENTS / writeSeconds)} | ${Math.round(EVENTS / relaySeconds)} | ${consumed} | ${left.n} | ${load1?.toFixed(1)} |`,
);
