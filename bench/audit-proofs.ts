/**
 * Audit trail throughput and proof cost on PostgreSQL:
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/audit-proofs.ts [records]
 * Creates and drops its own database. Measures: records appended per second by concurrent
 * writers (one transaction per record, as a request would), sequencing throughput, and
 * inclusion/consistency proof time at `records` (default 1,000,000) records.
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';

import { sql } from 'kysely';

import { createKeyRing } from '../server/crypto/keys.js';
import { openPostgres } from '../server/db/index.js';
import { migrateToLatest } from '../server/db/migrate.js';
import { createAuditModule, createAuditTrail } from '../server/modules/audit/module.js';
import { systemClock } from '../server/platform/clock.js';
import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';

const url = process.env.DATABASE_URL;
if (!url)
  throw new Error('Set DATABASE_URL to a PostgreSQL server (the bench creates its own database).');
const total = Number(process.argv[2] ?? 1_000_000);
const name = `teeka_bench_${randomBytes(4).toString('hex')}`;
await adminQuery(url, `CREATE DATABASE ${name}`);
const database = openPostgres(databaseUrl(url, name), 20);
const { db } = database;
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

try {
  await migrateToLatest(db);
  const audit = createAuditModule().service;
  const trail = createAuditTrail({
    db,
    keys: createKeyRing(new Map([['b', randomBytes(32)]])),
    clock: systemClock,
  });

  // 1. Recording: 16 concurrent writers, one transaction per record.
  const perWriter = 1000;
  let started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 16 }, (_, w) =>
      (async () => {
        for (let i = 0; i < perWriter; i++) {
          await db.transaction().execute((tx) =>
            audit.record(
              tx,
              {
                actor: { type: 'staff', id: `staff-${w}`, role: 'vaccinator', organisation: 'PHC' },
                action: 'beneficiary.read',
                subject: { type: 'beneficiary', id: `ben-${w}-${i}` },
                outcome: 'allowed',
              },
              { requestId: `req-${w}-${i}`, clientIp: '10.0.0.1' },
            ),
          );
        }
      })(),
    ),
  );
  const recordRate = (16 * perWriter) / seconds(started);
  console.log(
    `recorded: ${(16 * perWriter).toLocaleString()} records, ${recordRate.toFixed(0)} records/s (16 writers, 1 transaction each)`,
  );

  // 2. Bulk records in SQL, then sequencing them all into the tree.
  started = process.hrtime.bigint();
  const bulk = total - 16 * perWriter;
  for (let done = 0; done < bulk; done += 100_000) {
    await sql`
      INSERT INTO audit_log (actor_type, actor_id, actor_role, action, subject_type, subject_id, outcome, request_id, client_ip, details)
      SELECT 'staff', 'staff-' || (g % 500), 'vaccinator', 'beneficiary.read', 'beneficiary', 'ben-' || g, 'allowed', 'req-' || g, '10.0.0.2', jsonb_build_object('n', g)
      FROM generate_series(${done + 1}::int, ${Math.min(done + 100_000, bulk)}::int) AS g`.execute(
      db,
    );
  }
  console.log(`bulk insert: ${bulk.toLocaleString()} records in ${seconds(started).toFixed(1)} s`);
  started = process.hrtime.bigint();
  const checkpoint = await trail.checkpointNow({ waitMs: 60_000 });
  const sequencing = seconds(started);
  console.log(
    `sequenced and signed: size ${checkpoint?.treeSize.toLocaleString()} in ${sequencing.toFixed(1)} s (${((checkpoint?.treeSize ?? 0) / sequencing).toFixed(0)} leaves/s)`,
  );

  // 3. Proofs at this size: random leaves, random earlier sizes.
  const size = checkpoint?.treeSize ?? 0;
  const ids = await db
    .selectFrom('audit_leaves')
    .select('record_id')
    .where(
      'leaf_index',
      'in',
      Array.from({ length: 200 }, () => Math.floor(Math.random() * size)),
    )
    .execute();
  const timings = async (label: string, run: () => Promise<unknown>, times: number) => {
    const each: number[] = [];
    for (let i = 0; i < times; i++) {
      const t0 = process.hrtime.bigint();
      await run();
      each.push(seconds(t0) * 1000);
    }
    each.sort((a, b) => a - b);
    const pick = (q: number) =>
      (each[Math.min(each.length - 1, Math.floor(q * each.length))] ?? 0).toFixed(2);
    console.log(
      `${label}: median ${pick(0.5)} ms, p95 ${pick(0.95)} ms, max ${pick(1)} ms over ${times}`,
    );
  };
  let next = 0;
  await timings(
    'inclusion proof at full size',
    () =>
      db
        .transaction()
        .execute((tx) => trail.tree.inclusionProof(tx, ids[next++ % ids.length]?.record_id ?? 1)),
    200,
  );
  await timings(
    'consistency proof (random m) to full size',
    () =>
      db
        .transaction()
        .execute((tx) =>
          trail.tree.consistencyProof(tx, 1 + Math.floor(Math.random() * (size - 1)), size),
        ),
    200,
  );
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
} finally {
  await database.close();
  await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
