import { randomBytes } from 'node:crypto';

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { givenCitizens } from '../../../test/helpers/appointments.js';
import { type SmsOutbox, smsOutbox } from '../../../test/helpers/citizen.js';
import { engine, freshDatabase } from '../../../test/helpers/db.js';
import { givenFacilities } from '../../../test/helpers/facilities.js';
import { freePort, startTeeka, waitForHealth } from '../../../test/helpers/process.js';
import { loadConfig } from '../../config.js';
import { type DatabaseHandle } from '../../db/index.js';
import { type App, buildApp } from '../../http/app.js';
import { indiaDate } from '../facilities/dates.js';

const SEATS = 50;
const CITIZENS = 130;
const PER_CITIZEN = 4;
const SLOT = '09:00AM-11:00AM';

describe.runIf(engine === 'postgres')('booking on two server processes at once', () => {
  let outbox: SmsOutbox;
  let database: DatabaseHandle & { url?: string };
  /** Sets up citizens and the session in-process; the bookings go to the two server processes. */
  let setup: App;
  const servers: ReturnType<typeof startTeeka>[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    outbox = await smsOutbox();
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      TEEKA_DEMO_SEED: 'false',
      TEEKA_MASTER_KEY: `test:${randomBytes(32).toString('base64')}`,
      TEEKA_SMS_OUTBOX: outbox.file,
      // One client address sends everything here: the per-address limits would be the test.
      TEEKA_OTP_PER_IP: '100000',
      TEEKA_IP_RATE_LIMIT: '1000000',
      TEEKA_SHED_EVENT_LOOP_DELAY_MS: '0',
      TEEKA_AUDIT_CHECKPOINT_SECONDS: '0',
      ...(process.env.REDIS_URL
        ? {
            REDIS_URL: process.env.REDIS_URL,
            TEEKA_REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}`,
          }
        : {}),
    };
    database = await freshDatabase(20);
    if (!database.url) throw new Error('the PostgreSQL run gives each database a URL');
    setup = await buildApp({ config: loadConfig(env), database, logger: pino({ level: 'warn' }) });
    // Two real server processes, each with its own pool, on the same database.
    for (let node = 0; node < 2; node++) {
      const port = await freePort();
      servers.push(
        startTeeka({
          ...env,
          DATABASE_URL: database.url,
          DATABASE_POOL_SIZE: '20',
          PORT: String(port),
        }),
      );
      urls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(urls.map((url) => waitForHealth(url, 90_000)));
  }, 180_000);

  afterAll(async () => {
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
    await setup.close();
    await database.close();
    await outbox.remove();
  });

  it(`books exactly ${SEATS} of ${SEATS} seats from ${CITIZENS * PER_CITIZEN}+ concurrent requests, never below zero`, async () => {
    const node = setup;
    const facilities = givenFacilities(database.db, node.facilities.service);
    const session = await facilities.session(await facilities.centre(), indiaDate(new Date(), 3), {
      capacity_dose1: SEATS,
      capacity_dose2: 10,
      capacity_precaution: 0,
    });
    const given = givenCitizens(node, outbox, '92100');
    const citizens: { token: string; ids: string[] }[] = [];
    while (citizens.length < CITIZENS) {
      citizens.push(
        ...(await Promise.all(Array.from({ length: 10 }, () => given.citizen(PER_CITIZEN)))),
      );
    }

    // Every beneficiary alone, and each citizen's whole family at once: requests that
    // contend for the same people as well as for the same seats.
    const requests = citizens.flatMap(({ token, ids }) => [
      ...ids.map((id) => ({ token, beneficiaries: [id] })),
      { token, beneficiaries: ids },
    ]);
    expect(requests.length).toBeGreaterThanOrEqual(500);
    const answers = await Promise.all(
      requests.map(async ({ token, beneficiaries }, i) => {
        const response = await fetch(`${urls[i % urls.length]}/api/v2/appointment/schedule`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ dose: 1, session_id: session, slot: SLOT, beneficiaries }),
          signal: AbortSignal.timeout(90_000),
        });
        const body = (await response.json()) as { code?: string };
        return { status: response.status, code: body.code, seats: beneficiaries.length };
      }),
    );

    const refusals = new Set(
      answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.code}`),
    );
    expect([...refusals].sort()).toEqual(expect.arrayContaining(['409 no-seats']) as string[]);
    for (const refusal of refusals) {
      expect(['409 no-seats', '409 appointment-exists']).toContain(refusal);
    }
    const seatsBooked = answers
      .filter((a) => a.status === 200)
      .reduce((sum, a) => sum + a.seats, 0);
    expect(seatsBooked).toBe(SEATS);

    const booked = await database.db
      .selectFrom('appointments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('session_id', '=', session)
      .where('status', '=', 'booked')
      .executeTakeFirstOrThrow();
    expect(booked.n).toBe(SEATS);
    const after = await node.facilities.service.getSession(database.db, session);
    expect(after.available_dose1).toBe(0);
    expect(after.available_dose2).toBe(10);
    // Both processes took bookings, and neither failed.
    for (const server of servers) expect(server.child.exitCode).toBeNull();
  }, 300_000);
});
