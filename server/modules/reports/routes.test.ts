import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { indiaDate } from '../facilities/dates.js';
import { REPORT_CACHE_SECONDS } from './module.js';
import { REPORTS } from './routes.js';
import type { DoseReport } from './service.js';

const URL = `${REPORTS}/doses`;
const KARNATAKA = 16;

let w: VaccinationWorld;
const refs: string[] = [];
let covaxin: string;

/** Books, checks in and vaccinates every beneficiary of one citizen at `session`. */
async function vaccinate(session: string, count: number, vaccine = 'COVISHIELD', birthYear = 1980) {
  const { token, ids } = await w.citizen(count, birthYear);
  expect((await w.book(token, session, ids)).statusCode).toBe(200);
  for (const ref of ids) {
    await w.checkIn(session, ref);
    const given = await w.dose(w.vaccinator, w.doseBody(session, ref, 1, { vaccine }));
    expect(given.statusCode, given.body).toBe(200);
    refs.push(ref);
  }
}

const report = async () => {
  const response = await w.t.app.inject({ url: URL });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<DoseReport>();
};

beforeAll(async () => {
  w = await vaccinationWorld('98453');
  const covishield = await w.session(w.centreA);
  covaxin = await w.session(w.centreA, 0, { vaccine: 'COVAXIN' });
  // In 2026: seven aged 36 (18-44) and two aged 66 (60+); the four added later are 46 (45-59).
  await vaccinate(covishield, 4, 'COVISHIELD', 1990);
  await vaccinate(covishield, 3, 'COVISHIELD', 1990);
  await vaccinate(covaxin, 2, 'COVAXIN', 1960);
});
afterAll(() => w.close());

describe('public dose report', () => {
  it('counts doses per day, state, vaccine, gender and dose number, with no login', async () => {
    const body = await report();
    const today = indiaDate(w.clock.now());
    expect(body.total_doses).toBe(9);
    expect(body.suppression_threshold).toBe(5);
    expect(body.doses_per_day).toEqual([{ key: today, label: today, doses: 9, suppressed: false }]);
    expect(body.by_state).toEqual([
      { key: KARNATAKA, label: 'Karnataka', doses: 9, suppressed: false },
    ]);
    expect(body.by_gender).toEqual([{ key: 2, label: 'Female', doses: 9, suppressed: false }]);
    expect(body.by_dose_number).toEqual([{ key: 1, label: 'Dose 1', doses: 9, suppressed: false }]);
  });

  it('suppresses a small cell and its complement, so 9 - 7 cannot reveal the 2 COVAXIN doses', async () => {
    const body = await report();
    expect(body.by_vaccine).toEqual([
      { key: 'COVAXIN', label: 'COVAXIN', doses: null, suppressed: true },
      { key: 'COVISHIELD', label: 'COVISHIELD', doses: null, suppressed: true },
    ]);
    const csv = (await w.t.app.inject({ url: `${URL}?format=csv` })).body;
    expect(csv).toContain('"by_vaccine","COVAXIN","COVAXIN","","true"');
    expect(csv).not.toMatch(/"by_vaccine","COVISHIELD","COVISHIELD","7"/);
  });

  it('counts doses by age group at the dose, the 2 aged 60+ hidden with their complement', async () => {
    const body = await report();
    expect(body.by_age_group).toEqual([
      { key: '18-44', label: '18-44', doses: null, suppressed: true },
      { key: '60+', label: '60 and over', doses: null, suppressed: true },
    ]);
    const csv = (await w.t.app.inject({ url: `${URL}?format=csv` })).body;
    expect(csv).toContain('"by_age_group","60+","60 and over","","true"');
    expect(csv).toContain('"by_age_group","18-44","18-44","","true"');
  });

  it('holds no row that identifies a person: only the published fields, no references', async () => {
    const response = await w.t.app.inject({ url: URL });
    const body = response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(
      [
        'by_age_group',
        'by_dose_number',
        'by_gender',
        'by_state',
        'by_vaccine',
        'doses_per_day',
        'generated_at',
        'suppression_threshold',
        'total_doses',
      ].sort(),
    );
    for (const [name, cells] of Object.entries(body)) {
      if (!Array.isArray(cells)) continue;
      for (const cell of cells as Record<string, unknown>[]) {
        expect(Object.keys(cell).sort(), name).toEqual(['doses', 'key', 'label', 'suppressed']);
        if (!cell.suppressed) expect(cell.doses as number).toBeGreaterThanOrEqual(5);
      }
    }
    const csv = (await w.t.app.inject({ url: URL, headers: { accept: 'text/csv' } })).body;
    for (const ref of refs) {
      expect(response.body).not.toContain(ref);
      expect(csv).not.toContain(ref);
    }
    expect(response.body).not.toMatch(/\d{10}/);
    expect(csv).not.toMatch(/\d{10}/);
  });

  it('answers in CSV for Accept: text/csv and for ?format=csv, the same table', async () => {
    const byAccept = await w.t.app.inject({ url: URL, headers: { accept: 'text/csv' } });
    const byQuery = await w.t.app.inject({ url: `${URL}?format=csv` });
    expect(byAccept.statusCode).toBe(200);
    expect(byAccept.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(byAccept.body).toBe(byQuery.body);
    const lines = byAccept.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('"breakdown","key","label","doses","suppressed"');
    expect(lines[1]).toBe('"total","","All doses","9","false"');
    expect(lines).toContain('"by_state","16","Karnataka","9","false"');
    const json = await w.t.app.inject({
      url: `${URL}?format=json`,
      headers: { accept: 'text/csv' },
    });
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it(`is served from the cache for ${REPORT_CACHE_SECONDS} s, then shows new doses`, async () => {
    const before = await report();
    const cached = await w.t.app.inject({ url: URL });
    expect(cached.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    await vaccinate(covaxin, 4, 'COVAXIN');
    expect((await report()).total_doses).toBe(9);
    expect((await report()).generated_at).toBe(before.generated_at);
    w.clock.advance(REPORT_CACHE_SECONDS * 1000 + 1);
    const after = await report();
    expect(after.total_doses).toBe(13);
    expect(after.by_vaccine).toEqual([
      { key: 'COVAXIN', label: 'COVAXIN', doses: 6, suppressed: false },
      { key: 'COVISHIELD', label: 'COVISHIELD', doses: 7, suppressed: false },
    ]);
    // 4 (45-59) and 2 (60+) are both small, together 6: hidden, and nothing else needs to be.
    expect(after.by_age_group).toEqual([
      { key: '18-44', label: '18-44', doses: 7, suppressed: false },
      { key: '45-59', label: '45-59', doses: null, suppressed: true },
      { key: '60+', label: '60 and over', doses: null, suppressed: true },
    ]);
  });

  it('refuses unknown formats and parameters with a 400 problem', async () => {
    for (const query of ['format=xml', 'state=16', 'format=csv&format=json']) {
      const response = await w.t.app.inject({ url: `${URL}?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('is on the public surface of the kill switch', async () => {
    const system = { type: 'system', id: 'test' } as const;
    const change = (killSwitch: 'on' | 'off') =>
      w.t.app.killSwitch.service.change(
        w.t.database.db,
        { target: { kind: 'public' }, killSwitch, reason: 'reports drill' },
        system,
      );
    await change('on');
    await expect.poll(async () => (await w.t.app.inject({ url: URL })).statusCode).toBe(503);
    await change('off');
    await expect.poll(async () => (await w.t.app.inject({ url: URL })).statusCode).toBe(200);
  });
});

describe('public dose report limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ TEEKA_SEARCH_RATE_LIMIT: '3' });
  });
  afterAll(() => t.close());

  it('limits each address like the public search, counting bad requests too', async () => {
    expect((await t.app.inject({ url: `${URL}?format=xml` })).statusCode).toBe(400);
    const empty = await t.app.inject({ url: URL });
    expect(empty.json<DoseReport>()).toMatchObject({ total_doses: null, by_state: [] });
    expect((await t.app.inject({ url: URL })).statusCode).toBe(200);
    const refused = await t.app.inject({ url: URL });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
  });
});
