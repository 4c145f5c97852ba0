import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditRows } from '../../../test/helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { indiaDate } from '../facilities/dates.js';

let w: VaccinationWorld;
const doses: string[] = [];
beforeAll(async () => {
  w = await vaccinationWorld('98454');
  const session = await w.session(w.centreA, 0, { allow_walk_in: true });
  const { ids } = await w.citizen(4);
  const more = await w.citizen(3);
  for (const ref of [...ids, ...more.ids]) {
    await w.checkIn(session, ref);
    const dose = await w.dose(w.vaccinator, w.doseBody(session, ref));
    doses.push(dose.json<{ dose_id: string }>().dose_id);
  }
});
afterAll(() => w.close());

const report = (who: { headers: Record<string, string> }, query = '') =>
  w.t.app.inject({ url: `/api/v1/vaccinations/aefi/report${query}`, headers: who.headers });
const record = (who: { headers: Record<string, string> }, doseId: string, body: object) =>
  w.t.app.inject({
    method: 'POST',
    url: `/api/v1/vaccinations/doses/${doseId}/aefi`,
    headers: who.headers,
    payload: body as Record<string, unknown>,
  });

describe('adverse events following immunisation', () => {
  it('records against a dose in jurisdiction only, with coded fields; free text stored encrypted', async () => {
    const today = indiaDate(w.clock.now());
    const event = {
      severity: 'minor',
      category: 'fever',
      onset_date: today,
      description: 'Fever of 38.5 C in the evening, Test Person at home',
    };
    const before = await w.count('aefi_reports');
    expect((await record(w.vaccinatorB, doses[0] ?? '', event)).statusCode).toBe(403);
    expect((await record(w.verifier, doses[0] ?? '', event)).statusCode).toBe(403);
    expect(
      (await record(w.vaccinator, doses[0] ?? '', { ...event, category: 'headache-ish' }))
        .statusCode,
    ).toBe(400);
    expect(
      (await record(w.vaccinator, doses[0] ?? '', { ...event, severity: 'mild' })).statusCode,
    ).toBe(400);
    const early = await record(w.vaccinator, doses[0] ?? '', {
      ...event,
      onset_date: '2026-03-01',
    });
    expect(early.json<{ code: string }>().code).toBe('onset-before-dose');
    const late = await record(w.vaccinator, doses[0] ?? '', { ...event, onset_date: '2026-03-09' });
    expect(late.json<{ code: string }>().code).toBe('onset-in-future');
    const unknown = await record(w.vaccinator, '00000000-0000-4000-8000-000000000000', event);
    expect(unknown.statusCode).toBe(404);
    expect(await w.count('aefi_reports')).toBe(before);

    const made = await record(w.vaccinator, doses[0] ?? '', event);
    expect(made.statusCode).toBe(201);
    const raw = JSON.stringify(
      await w.t.database.db.selectFrom('aefi_reports').selectAll().execute(),
    );
    expect(raw).not.toContain('Fever of 38.5');
    const [audited] = (await auditRows(w.t.database.db, 'vaccination.aefi.record')).filter(
      (r) => r.outcome === 'allowed',
    );
    expect(JSON.stringify(audited)).not.toContain('Fever');
  });

  it('reports only aggregate counts, small ones suppressed, to admins of the place', async () => {
    const today = indiaDate(w.clock.now());
    for (const doseId of doses.slice(1, 6)) {
      const made = await record(w.bbmp, doseId, {
        severity: 'serious',
        category: 'syncope',
        onset_date: today,
      });
      expect(made.statusCode).toBe(201);
    }
    const district = await report(w.bbmp, '?district_id=294');
    expect(district.statusCode).toBe(200);
    expect(district.json()).toEqual({
      scope: 'district:294',
      suppressed_below: 5,
      counts: [
        { vaccine: 'COVISHIELD', severity: 'minor', count: '<5' },
        { vaccine: 'COVISHIELD', severity: 'serious', count: 5 },
      ],
    });
    expect((await report(w.national)).json()).toMatchObject({ scope: 'country' });
    expect((await report(w.urban, '?district_id=265')).json()).toMatchObject({ counts: [] });
    expect((await report(w.urban, '?district_id=294')).statusCode).toBe(403);
    expect((await report(w.bbmp)).statusCode).toBe(403);
    expect((await report(w.vaccinator, '?district_id=294')).statusCode).toBe(403);
    expect((await report(w.bbmp, '?district_id=294&state_id=16')).statusCode).toBe(400);
    // The answer names no dose, person or centre.
    expect(district.body).not.toMatch(/dose_id|beneficiary|center/);
  });
});
