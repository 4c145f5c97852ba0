import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testApp } from '../../../test/helpers/app.js';
import { engine } from '../../../test/helpers/db.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import type { Db } from '../../db/index.js';
import * as doseCounts from '../../db/migrations/0170_dose_counts.js';

/**
 * The kept dose counts (migration 0170) against a count of the doses themselves, after each
 * kind of change that moves a dose between groups.
 */
let w: VaccinationWorld;
let session: string;
beforeAll(async () => {
  w = await vaccinationWorld('98461');
  session = await w.session(w.centreA, 0, { allow_walk_in: true });
});
afterAll(() => w.close());

const day = sql<string>`to_char(d.vaccinated_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD')`;

/** Every group's count, as the kept counts give it: "dimension key" -> doses. */
async function kept(db: Db) {
  const rows = await db
    .selectFrom('dose_counts')
    .select(['dimension', 'key', sql<string>`sum(n)`.as('n')])
    .groupBy(['dimension', 'key'])
    .having(sql<boolean>`sum(n) <> 0`)
    .execute();
  return Object.fromEntries(rows.map((r) => [`${r.dimension} ${r.key}`, Number(r.n)]));
}

/** The same, counted from the doses, their centres and their people. */
async function counted(db: Db) {
  const doses = await db
    .selectFrom('doses as d')
    .innerJoin('centres as c', 'c.center_id', 'd.center_id')
    .innerJoin('beneficiaries as b', 'b.beneficiary_reference_id', 'd.beneficiary_reference_id')
    .select([
      day.as('day'),
      'c.state_id',
      'd.vaccine',
      'b.gender_id',
      'd.dose',
      sql<string>`coalesce(d.age_band, 'unknown')`.as('age_band'),
    ])
    .execute();
  const counts: Record<string, number> = {};
  for (const dose of doses) {
    for (const [dimension, key] of [
      ['day', dose.day],
      ['state', dose.state_id],
      ['vaccine', dose.vaccine],
      ['gender', dose.gender_id],
      ['dose', dose.dose],
      ['age_band', dose.age_band],
    ]) {
      const group = `${dimension} ${key}`;
      counts[group] = (counts[group] ?? 0) + 1;
    }
  }
  return counts;
}

async function expectCountsTrue() {
  const db = w.t.database.db;
  expect(await kept(db)).toEqual(await counted(db));
}

/** A walk-in dose for a new citizen with `count` people born in `birthYear`. */
async function vaccinated(count: number, birthYear: number) {
  const { token, ids } = await w.citizen(count, birthYear);
  for (const ref of ids) {
    await w.checkIn(session, ref);
    expect((await w.dose(w.vaccinator, w.doseBody(session, ref))).statusCode).toBe(200);
  }
  return { token, ids };
}

describe('kept dose counts', () => {
  it('count each dose recorded in its day, state, vaccine, gender, dose number and band', async () => {
    await vaccinated(3, 1990);
    await vaccinated(2, 1960);
    await expectCountsTrue();
    const counts = await kept(w.t.database.db);
    expect(counts['dose 1']).toBe(5);
    expect(counts['age_band 18-44']).toBe(3);
    expect(counts['age_band 60+']).toBe(2);
  });

  it('follow an approved correction of gender and birth year, in its transaction', async () => {
    const { token, ids } = await vaccinated(1, 1990);
    const ref = ids[0] ?? '';
    const before = await kept(w.t.database.db);
    await w.approvedCorrection(token, ref, { gender_id: 1, birth_year: '1958' });

    const after = await kept(w.t.database.db);
    expect(after['gender 1']).toBe((before['gender 1'] ?? 0) + 1);
    expect(after['gender 2']).toBe((before['gender 2'] ?? 0) - 1);
    expect(after['age_band 60+']).toBe((before['age_band 60+'] ?? 0) + 1);
    expect(after['age_band 18-44']).toBe((before['age_band 18-44'] ?? 0) - 1);
    expect(after['dose 1']).toBe(before['dose 1']);
    await expectCountsTrue();
  });

  it('move a dose from "unknown" to its band when the band is filled in', async () => {
    const db = w.t.database.db;
    const { ids } = await vaccinated(1, 1990);
    const ref = ids[0] ?? '';
    // As a dose recorded before migration 0160 kept bands.
    await db
      .updateTable('doses')
      .set({ age_band: null as never })
      .where('beneficiary_reference_id', '=', ref)
      .execute();
    expect((await kept(db))['age_band unknown']).toBe(1);
    await expectCountsTrue();
    // A node starting on this database (with the same keys) fills it in.
    const node = await testApp({ TEEKA_MASTER_KEY: w.masterKey }, { database: w.t.database });
    await node.app.close();
    expect((await kept(db))['age_band unknown']).toBeUndefined();
    await expectCountsTrue();
  });

  it('are counted afresh from the doses when the migration runs on a database with doses', async () => {
    const db = w.t.database.db;
    const before = await kept(db);
    const migrating = db as unknown as Kysely<unknown>;
    await doseCounts.down(migrating);
    await doseCounts.up(migrating);
    expect(await kept(db)).toEqual(before);
    await expectCountsTrue();
  });
});

describe.runIf(engine === 'postgres')('kept dose counts under concurrency (PostgreSQL)', () => {
  it('stay true with 24 doses recorded at once on separate connections', async () => {
    const { ids } = await w.citizen(4, 1990);
    const more = await Promise.all([1, 2, 3, 4, 5].map(() => w.citizen(4, 1975)));
    const refs = [...ids, ...more.flatMap((c) => c.ids)];
    for (const ref of refs) await w.checkIn(session, ref);
    const answers = await Promise.all(
      refs.map((ref) => w.dose(w.vaccinator, w.doseBody(session, ref))),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(refs.map(() => 200));
    await expectCountsTrue();
  });
});
