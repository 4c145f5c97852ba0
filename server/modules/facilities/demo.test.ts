import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import { createAuditModule } from '../audit/module.js';
import { indiaDate } from './dates.js';
import { seedDemoWorld } from './demo.js';
import { calendarResponse } from './schemas.js';
import { createFacilityStore } from './store.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const seed = () =>
  t.database.db.transaction().execute((tx) =>
    seedDemoWorld(tx, {
      store: createFacilityStore(),
      audit: createAuditModule().service,
      now: new Date(),
    }),
  );

describe('the demo world', () => {
  it('seeds valid, searchable centres and sessions once, and audits it', async () => {
    expect(await seed()).toEqual({ centres: 7, sessions: 112 });
    expect(await seed()).toBeNull();
    const today = indiaDate(new Date()).split('-').reverse().join('-');
    const response = await t.app.inject(
      `/api/v2/appointment/sessions/public/calendarByDistrict?district_id=395&date=${today}`,
    );
    const { centers } = calendarResponse.parse(response.json());
    expect(centers.map((c) => c.name)).toEqual([
      'BKC Jumbo Covid Centre',
      'Lilavati Hospital',
      'V N Desai Hospital',
    ]);
    expect(centers.every((c) => c.sessions.length >= 7)).toBe(true);
    expect(centers.find((c) => c.fee_type === 'Paid')?.vaccine_fees).toEqual([
      { vaccine: 'COVISHIELD', fee: '780' },
      { vaccine: 'SPUTNIK V', fee: '1145' },
    ]);
    const audited = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'facilities.%')
      .execute();
    expect(audited.filter((a) => a.action === 'facilities.centre.create')).toHaveLength(7);
    expect(audited.filter((a) => a.action === 'facilities.session.create')).toHaveLength(112);
  });
});
