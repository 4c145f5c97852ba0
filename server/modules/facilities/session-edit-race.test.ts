import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engine, freshDatabase } from '../../../test/helpers/db.js';
import { givenFacilities } from '../../../test/helpers/facilities.js';
import { AppError } from '../../http/errors.js';
import { systemClock } from '../../platform/clock.js';
import { createAuditModule } from '../audit/module.js';
import { indiaDate } from './dates.js';
import { createFacilityService } from './service.js';
import { createFacilityStore } from './store.js';

const store = createFacilityStore();
const service = createFacilityService({
  store,
  audit: createAuditModule().service,
  clock: systemClock,
});
const codeOf = (error: unknown) => (error instanceof AppError ? error.code : String(error));

describe.runIf(engine === 'postgres')(
  'editing a session while seats are taken (PostgreSQL)',
  () => {
    let database: Awaited<ReturnType<typeof freshDatabase>>;
    beforeAll(async () => {
      database = await freshDatabase(30);
    });
    afterAll(() => database.close());

    it('never leaves a capacity below the seats taken, nor loses or invents a seat', async () => {
      const given = givenFacilities(database.db, service);
      const id = await given.session(await given.centre(), indiaDate(new Date()), {
        capacity_dose1: 40,
        capacity_dose2: 0,
        capacity_precaution: 0,
      });
      const actor = { type: 'system' as const, id: 'test' };
      const takes = Array.from({ length: 60 }, () =>
        database.db.transaction().execute((tx) => service.takeSeat(tx, id, 'dose1')),
      );
      const edits = [10, 30, 15, 40, 25, 35].map((capacity) =>
        database.db
          .transaction()
          .execute((tx) => service.updateSession(tx, id, { capacity_dose1: capacity }, actor)),
      );
      const [taken, edited] = await Promise.all([
        Promise.allSettled(takes),
        Promise.allSettled(edits),
      ]);
      const won = taken.filter((r) => r.status === 'fulfilled').length;
      for (const r of taken) if (r.status === 'rejected') expect(codeOf(r.reason)).toBe('no-seats');
      for (const r of edited) {
        if (r.status === 'rejected') expect(codeOf(r.reason)).toBe('capacity-below-taken');
      }
      const row = await store.findSession(database.db, id);
      expect(row?.available_dose1).toBeGreaterThanOrEqual(0);
      expect((row?.capacity_dose1 ?? 0) - (row?.available_dose1 ?? 0)).toBe(won);
    });
  },
);
