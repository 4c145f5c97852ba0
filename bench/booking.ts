/**
 * Bookings per second on PostgreSQL, over loopback, and a count afterwards that proves no
 * seat was sold twice: more booking requests than seats, each for a different beneficiary.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
 *     npx tsx bench/booking.ts            # BENCH_BOOKINGS=2000 BENCH_CONNECTIONS=32
 *
 * The server runs in this process (so that the bench can create citizens and the session
 * through the real app), and so does autocannon: they share one event loop, which makes
 * the figure a lower bound. Prints a Markdown table row for docs/benchmarks.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';
import pino from 'pino';

import { loadConfig } from '../server/config.js';
import { openPostgres } from '../server/db/index.js';
import { migrateToLatest } from '../server/db/migrate.js';
import { buildApp } from '../server/http/app.js';
import { indiaDate } from '../server/modules/facilities/dates.js';
import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';

const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** A tenth of the requests find the session full: the refusal path is part of the load. */
const SEATS = Math.floor(BOOKINGS * 0.9);
const PER_CITIZEN = 4;
const SLOT = '09:00AM-11:00AM';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function main() {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('bench/booking.ts measures PostgreSQL: set DATABASE_URL');
  const name = `teeka_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-bench-'));
  const outbox = path.join(dir, 'outbox.jsonl');
  const database = openPostgres(databaseUrl(adminUrl, name), 20);
  await migrateToLatest(database.db);
  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    TEEKA_DEMO_SEED: 'false',
    TEEKA_MASTER_KEY: `bench:${randomBytes(32).toString('base64')}`,
    TEEKA_SMS_OUTBOX: outbox,
    TEEKA_OTP_PER_IP: '100000',
    TEEKA_IP_RATE_LIMIT: '1000000',
    ...(process.env.REDIS_URL
      ? { REDIS_URL: process.env.REDIS_URL, TEEKA_REDIS_PREFIX: `bench-${name}` }
      : {}),
  });
  const app = await buildApp({ config, database, logger: pino({ level: 'warn' }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');

  try {
    const centre = await database.db.transaction().execute((tx) =>
      app.facilities.service.createCentre(
        tx,
        {
          name: 'Bench Centre',
          address: '1 Bench Road',
          district_id: 294,
          block_name: 'Bommanahalli',
          pincode: 560041,
          lat: 12.93,
          long: 77.59,
          opens_at: '09:00',
          closes_at: '17:00',
          fee_type: 'Free',
        },
        { type: 'system', id: 'bench' },
      ),
    );
    const session = await database.db.transaction().execute((tx) =>
      app.facilities.service.createSession(
        tx,
        {
          center_id: centre,
          date: indiaDate(new Date(), 2),
          vaccine: 'COVISHIELD',
          min_age_limit: 18,
          capacity_dose1: SEATS,
          capacity_dose2: 0,
          capacity_precaution: 1,
          slots: [SLOT],
        },
        { type: 'system', id: 'bench' },
      ),
    );

    // Citizens log in through the real OTP flow and register through the real endpoint.
    const bookings: { token: string; id: string }[] = [];
    let mobile = 7_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    let voter = 1_000_000;
    while (bookings.length < BOOKINGS) {
      const number = String(mobile++);
      const sent = await app.inject({
        method: 'POST',
        url: '/api/v2/auth/public/generateOTP',
        payload: { mobile: number },
      });
      const { txnId } = sent.json<{ txnId: string }>();
      const lines = (await readFile(outbox, 'utf8')).trimEnd().split('\n');
      const last = JSON.parse(lines.at(-1) ?? '{}') as { to: string; text: string };
      const otp = last.to === number ? /\b(\d{6})\b/.exec(last.text)?.[1] : undefined;
      if (!otp) throw new Error('no OTP in the outbox');
      const confirmed = await app.inject({
        method: 'POST',
        url: '/api/v2/auth/public/confirmOTP',
        payload: { otp: sha256(otp), txnId },
      });
      const { token } = confirmed.json<{ token: string }>();
      for (let i = 0; i < PER_CITIZEN && bookings.length < BOOKINGS; i++) {
        const registered = await app.inject({
          method: 'POST',
          url: '/api/v2/registration/beneficiary/new',
          headers: { authorization: `Bearer ${token}` },
          payload: {
            name: 'Bench Person',
            birth_year: '1980',
            gender_id: 1,
            photo_id_type: 12,
            photo_id_number: `BEN${String(voter++)}`,
            comorbidity_ind: 'N',
            consent_version: 'V1',
          },
        });
        const { beneficiary_reference_id: id } = registered.json<{
          beneficiary_reference_id: string;
        }>();
        bookings.push({ token, id });
      }
    }

    let next = 0;
    const result = await autocannon({
      url: `http://127.0.0.1:${address.port}`,
      connections: CONNECTIONS,
      amount: BOOKINGS,
      requests: [
        {
          method: 'POST',
          path: '/api/v2/appointment/schedule',
          setupRequest: (request) => {
            const booking = bookings[next++ % bookings.length];
            return {
              ...request,
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${booking?.token ?? ''}`,
              },
              body: JSON.stringify({
                dose: 1,
                session_id: session,
                slot: SLOT,
                beneficiaries: [booking?.id ?? ''],
              }),
            };
          },
        },
      ],
    });

    const booked = await database.db
      .selectFrom('appointments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('session_id', '=', session)
      .where('status', '=', 'booked')
      .executeTakeFirstOrThrow();
    const after = await app.facilities.service.getSession(database.db, session);
    const seconds = result.duration;
    const overbooked = booked.n > SEATS || after.available_dose1 !== 0;
    console.log(
      `| ${new Date().toISOString().slice(0, 10)} | PostgreSQL${config.redisUrl ? ' + Redis' : ''} | ${BOOKINGS} | ${SEATS} | ${CONNECTIONS} | ${result['2xx']} | ${result.non2xx} | ${result.errors + result.timeouts} | ${(result['2xx'] / seconds).toFixed(0)} | ${(BOOKINGS / seconds).toFixed(0)} | ${result.latency.p99} | ${booked.n} booked, ${after.available_dose1} left${overbooked ? ' **OVERBOOKED**' : ''} |`,
    );
    if (overbooked || result['2xx'] !== SEATS) process.exitCode = 1;
  } finally {
    await app.close();
    await database.close();
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
