/**
 * Doses recorded per second on PostgreSQL over loopback HTTP, each with its certificate
 * signed and its audit records written in the same transaction, and a count afterwards
 * proving every dose has exactly one certificate.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
 *     npx tsx bench/doses.ts    # BENCH_DOSES=3000 BENCH_CONNECTIONS=32 BENCH_POOL=20 BENCH_VACCINATORS=16
 *
 * Setup goes through the real API: a vaccinator and a verifier enrol and sign in; the
 * verifier registers every beneficiary as a walk-in (which confirms identity, marks arrival
 * and holds a seat). Then autocannon sends one POST /api/v1/vaccinations/doses per
 * beneficiary, each with its own Idempotency-Key. The server and autocannon share this
 * process and its event loop, so the figure is a lower bound. The app's clock stands
 * still (a manual clock), so staff sessions never idle out during a long setup.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import autocannon from 'autocannon';
import pino from 'pino';

import { loadConfig } from '../server/config.js';
import { openPostgres } from '../server/db/index.js';
import { migrateToLatest } from '../server/db/migrate.js';
import { buildApp } from '../server/http/app.js';
import { indiaDate } from '../server/modules/facilities/dates.js';
import { manualClock } from '../server/platform/clock.js';
import type { TestApp } from '../test/helpers/app.js';
import { givenFacilities } from '../test/helpers/facilities.js';
import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';
import { type Session, staffClient } from '../test/helpers/staff.js';

const DOSES = Number(process.env.BENCH_DOSES ?? 3000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const POOL = Number(process.env.BENCH_POOL ?? 20);
const SETUP_PARALLEL = 16;
/**
 * Vaccinators signed in, each request sent as the next: one token for every request would
 * measure the staff session row (its last-seen time is updated on every request).
 */
const VACCINATORS = Number(process.env.BENCH_VACCINATORS ?? 16);

async function main() {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('bench/doses.ts measures PostgreSQL: set DATABASE_URL');
  const name = `teeka_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const database = openPostgres(databaseUrl(adminUrl, name), POOL);
  await migrateToLatest(database.db);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    TEEKA_DEMO_SEED: 'false',
    TEEKA_MASTER_KEY: `bench:${randomBytes(32).toString('base64')}`,
    TEEKA_IP_RATE_LIMIT: '1000000',
    TEEKA_SHED_EVENT_LOOP_DELAY_MS: '0',
    TEEKA_AUDIT_CHECKPOINT_SECONDS: '0',
    ...(process.env.REDIS_URL
      ? { REDIS_URL: process.env.REDIS_URL, TEEKA_REDIS_PREFIX: `bench-${name}` }
      : {}),
  });
  const clock = manualClock(new Date());
  const app = await buildApp({ config, database, logger: pino({ level: 'warn' }), clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');

  try {
    const facilities = givenFacilities(database.db, app.facilities.service);
    const centre = await facilities.centre({ district_id: 294 });
    const session = await facilities.session(centre, indiaDate(clock.now()), {
      capacity_dose1: DOSES,
      capacity_dose2: 0,
      capacity_precaution: 0,
      allow_walk_in: true,
    });
    const staff = staffClient({ app, database } as unknown as TestApp, clock);
    const national = await staff.nationalAdmin('bench.national');
    const verifier = await staff.member(national, 'bench.verifier', [
      { role: 'verifier', center_id: centre },
    ]);
    const vaccinators: Session[] = [];
    for (let i = 0; i < VACCINATORS; i++) {
      vaccinators.push(
        await staff.member(national, `bench.vaccinator${i}`, [
          { role: 'vaccinator', center_id: centre },
        ]),
      );
    }

    const refs: string[] = [];
    const mobileBase = 7_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    for (let start = 0; start < DOSES; start += SETUP_PARALLEL) {
      const batch = Array.from({ length: Math.min(SETUP_PARALLEL, DOSES - start) }, (_, i) =>
        app.inject({
          method: 'POST',
          url: `/api/v1/vaccinations/sessions/${session}/walk-ins`,
          headers: verifier.headers,
          payload: {
            name: 'Bench Person',
            birth_year: '1980',
            gender_id: 1,
            photo_id_type: 12,
            photo_id_number: `BEN${String(1_000_000 + start + i)}`,
            mobile: String(mobileBase + Math.floor((start + i) / 4)),
          },
        }),
      );
      for (const made of await Promise.all(batch)) {
        if (made.statusCode !== 201) throw new Error(`walk-in: ${made.body}`);
        refs.push(made.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id);
      }
    }

    let next = 0;
    const vaccinatedAt = clock.now().toISOString();
    const result = await autocannon({
      url: `http://127.0.0.1:${address.port}`,
      connections: CONNECTIONS,
      amount: DOSES,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/vaccinations/doses',
          setupRequest: (request) => ({
            ...request,
            headers: {
              'content-type': 'application/json',
              'idempotency-key': randomUUID(),
              ...vaccinators[next % vaccinators.length]?.headers,
            },
            body: JSON.stringify({
              session_id: session,
              beneficiary_reference_id: refs[next++ % refs.length],
              vaccine: 'COVISHIELD',
              batch: '4121Z025',
              dose: 1,
              vaccinated_at: vaccinatedAt,
            }),
          }),
        },
      ],
    });

    const count = async (table: 'doses' | 'certificates') =>
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const audited = await database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', '=', 'vaccination.dose.record')
      .where('outcome', '=', 'allowed')
      .executeTakeFirstOrThrow();
    const [doses, certificates] = [await count('doses'), await count('certificates')];
    const seconds = result.duration;
    console.log(
      `| ${new Date().toISOString().slice(0, 10)} | PostgreSQL${config.redisUrl ? ' + Redis' : ''} | ${DOSES} | ${CONNECTIONS} | ${POOL} | ${VACCINATORS} | ${result['2xx']} | ${result.non2xx} | ${result.errors + result.timeouts} | ${(result['2xx'] / seconds).toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${doses} doses, ${certificates} certificates, ${audited.n} audited |`,
    );
    if (result['2xx'] !== DOSES || doses !== DOSES || certificates !== DOSES) {
      process.exitCode = 1;
    }
  } finally {
    await app.close();
    await database.close();
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

await main();
