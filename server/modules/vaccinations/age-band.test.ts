import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testApp } from '../../../test/helpers/app.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { ageBand } from './age-band.js';

let w: VaccinationWorld;
let session: string;
beforeAll(async () => {
  w = await vaccinationWorld('98455');
  session = await w.session(w.centreA, 0, { min_age_limit: 12, vaccine: 'CORBEVAX' });
});
afterAll(() => w.close());

/** Registers, books, checks in and vaccinates one person born in `birthYear`. */
async function vaccinated(birthYear: number) {
  const { token, ids } = await w.citizen(1, birthYear);
  const ref = ids[0] ?? '';
  const booked = await w.book(token, session, [ref]);
  expect(booked.statusCode, booked.body).toBe(200);
  await w.checkIn(session, ref);
  const given = await w.dose(w.vaccinator, w.doseBody(session, ref, 1, { vaccine: 'CORBEVAX' }));
  expect(given.statusCode, given.body).toBe(200);
  return { token, ref };
}
const bandOf = async (ref: string) =>
  (
    await w.t.database.db
      .selectFrom('doses')
      .select('age_band')
      .where('beneficiary_reference_id', '=', ref)
      .executeTakeFirstOrThrow()
  ).age_band;

describe('age band at the dose', () => {
  it('is the calendar year in India minus the birth year, in CoWIN’s groups', () => {
    // 31 Dec 2025 19:00 UTC is already 1 Jan 2026 in India.
    const newYearInIndia = new Date('2025-12-31T19:00:00Z');
    expect(ageBand(2011, newYearInIndia)).toBe('15-17');
    expect(ageBand(2011, new Date('2025-12-31T18:00:00Z'))).toBe('12-14');
    expect(ageBand(2008, newYearInIndia)).toBe('18-44');
    expect(ageBand(1981, newYearInIndia)).toBe('45-59');
    expect(ageBand(1982, newYearInIndia)).toBe('18-44');
    expect(ageBand(1966, newYearInIndia)).toBe('60+');
    expect(ageBand(1967, newYearInIndia)).toBe('45-59');
    expect(ageBand(2015, newYearInIndia)).toBe('under-12');
  });

  it('is stored with each new dose, and no birth year is', async () => {
    const young = await vaccinated(2012);
    const old = await vaccinated(1950);
    expect(await bandOf(young.ref)).toBe('12-14');
    expect(await bandOf(old.ref)).toBe('60+');
    const row = await w.t.database.db
      .selectFrom('doses')
      .selectAll()
      .where('beneficiary_reference_id', '=', old.ref)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('1950');
  });

  it('is filled in for doses recorded before it was kept, when the app starts', async () => {
    const { ref } = await vaccinated(1990);
    await w.t.database.db
      .updateTable('doses')
      .set({ age_band: null as never })
      .execute();
    expect(await bandOf(ref)).toBeNull();
    // A node starting on this database (with the same keys) fills them in.
    const node = await testApp({ TEEKA_MASTER_KEY: w.masterKey }, { database: w.t.database });
    await node.app.close();
    expect(await bandOf(ref)).toBe('18-44');
    const bands = await w.t.database.db.selectFrom('doses').select('age_band').execute();
    expect(bands.map((b) => b.age_band).sort()).toEqual(['12-14', '18-44', '60+']);
  });

  it('follows an approved correction of the birth year', async () => {
    const { token, ref } = await vaccinated(1996);
    expect(await bandOf(ref)).toBe('18-44');
    await w.approvedCorrection(token, ref, { birth_year: '1961' });
    expect(await bandOf(ref)).toBe('60+');
  });
});
