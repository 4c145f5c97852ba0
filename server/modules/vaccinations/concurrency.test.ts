import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engine } from '../../../test/helpers/db.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';

const CONCURRENT = 20;

// PGlite runs one transaction at a time: races can only happen on PostgreSQL.
describe.runIf(engine === 'postgres')('dose recording under concurrency (PostgreSQL)', () => {
  let w: VaccinationWorld;
  let session: string;
  beforeAll(async () => {
    w = await vaccinationWorld('98455');
    session = await w.session(w.centreA, 0, { allow_walk_in: true });
  });
  afterAll(() => w.close());

  const dosesOf = (ref: string) =>
    w.t.database.db
      .selectFrom('doses')
      .select(['dose_id', 'certificate_id'])
      .where('beneficiary_reference_id', '=', ref)
      .execute();
  const certificatesOf = (ref: string) =>
    w.t.database.db
      .selectFrom('certificates')
      .select('certificate_id')
      .where('beneficiary_reference_id', '=', ref)
      .execute();

  it(`${CONCURRENT} identical requests with one Idempotency-Key: one dose, one certificate, identical 200s`, async () => {
    const { ids } = await w.citizen(1);
    const ref = ids[0] ?? '';
    await w.checkIn(session, ref);
    const key = randomUUID();
    const body = w.doseBody(session, ref);
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => w.dose(w.vaccinator, body, key)),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(CONCURRENT).fill(200));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(
      CONCURRENT - 1,
    );
    const recorded = await dosesOf(ref);
    expect(recorded).toHaveLength(1);
    expect(await certificatesOf(ref)).toHaveLength(1);
    expect(answers[0]?.json()).toMatchObject({ dose_id: recorded[0]?.dose_id });
  });

  it(`${CONCURRENT} requests with different keys for one person and dose: exactly one dose`, async () => {
    const { ids } = await w.citizen(1);
    const ref = ids[0] ?? '';
    await w.checkIn(session, ref);
    const seatsBefore = await w.t.database.db
      .selectFrom('vaccination_sessions')
      .select('available_dose1')
      .where('session_id', '=', session)
      .executeTakeFirstOrThrow();
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        w.dose(w.vaccinator, w.doseBody(session, ref, 1, { batch: `BATCH${1000 + i}` })),
      ),
    );
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([200, ...Array(CONCURRENT - 1).fill(409)]);
    for (const refused of answers.filter((a) => a.statusCode === 409)) {
      expect(refused.json<{ code: string }>().code).toBe('dose-already-given');
    }
    expect(await dosesOf(ref)).toHaveLength(1);
    expect(await certificatesOf(ref)).toHaveLength(1);
    // A walk-in without appointment took exactly one seat.
    const seatsAfter = await w.t.database.db
      .selectFrom('vaccination_sessions')
      .select('available_dose1')
      .where('session_id', '=', session)
      .executeTakeFirstOrThrow();
    expect(seatsAfter.available_dose1).toBe(seatsBefore.available_dose1 - 1);
  });
});
