import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engine, freshDatabase } from '../../../test/helpers/db.js';
import { givenFacilities } from '../../../test/helpers/facilities.js';
import { AppError } from '../../http/errors.js';
import { systemClock } from '../../platform/clock.js';
import { createAuditModule } from '../audit/module.js';
import { indiaDate } from './dates.js';
import { createFacilityService } from './service.js';
import { createFacilityStore, type SeatPool } from './store.js';

const store = createFacilityStore();
const service = createFacilityService({
  store,
  audit: createAuditModule().service,
  clock: systemClock,
});
const today = indiaDate(new Date());

const codeOf = (error: unknown) => (error instanceof AppError ? error.code : String(error));

describe('seats', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let given: ReturnType<typeof givenFacilities>;
  beforeAll(async () => {
    database = await freshDatabase();
    given = givenFacilities(database.db, service);
  });
  afterAll(() => database.close());

  const take = (id: string, pool: SeatPool) =>
    database.db.transaction().execute((tx) => service.takeSeat(tx, id, pool));
  const give = (id: string, pool: SeatPool) =>
    database.db.transaction().execute((tx) => service.giveSeatBack(tx, id, pool));

  it('takes seats until the pool is empty, then refuses with no-seats', async () => {
    const centre = await given.centre();
    const id = await given.session(centre, today, {
      capacity_dose1: 2,
      capacity_dose2: 0,
      capacity_precaution: 1,
    });
    expect((await take(id, 'dose1')).available_dose1).toBe(1);
    expect((await take(id, 'dose1')).available_dose1).toBe(0);
    await expect(take(id, 'dose1')).rejects.toMatchObject({ status: 409, code: 'no-seats' });
    await expect(take(id, 'dose2')).rejects.toMatchObject({ code: 'no-seats' });
    expect((await take(id, 'precaution')).available_precaution).toBe(0);
    await give(id, 'dose1');
    await give(id, 'dose1');
    await expect(give(id, 'dose1')).rejects.toMatchObject({ status: 409, code: 'seat-not-taken' });
    const after = await service.getSession(database.db, id);
    expect(after.available_dose1).toBe(2);
  });

  it('the database itself refuses counters below zero or above capacity', async () => {
    const id = await given.session(await given.centre(), today, { capacity_dose1: 5 });
    for (const value of [-1, 6]) {
      await expect(
        database.db
          .updateTable('vaccination_sessions')
          .set({ available_dose1: value })
          .where('session_id', '=', id)
          .execute(),
      ).rejects.toThrow(/check constraint/);
    }
    expect((await service.getSession(database.db, id)).available_dose1).toBe(5);
  });

  it('answers unknown and malformed session ids with unknown-session, changing nothing', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' OR 1=1 --"]) {
      await expect(take(id, 'dose1')).rejects.toMatchObject({
        status: 404,
        code: 'unknown-session',
      });
      await expect(give(id, 'dose1')).rejects.toMatchObject({
        status: 404,
        code: 'unknown-session',
      });
    }
  });

  it('property: taken + available = capacity after every take and give', async () => {
    const centre = await given.centre();
    const pools = ['dose1', 'dose2', 'precaution'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ dose1: fc.nat(4), dose2: fc.nat(4), precaution: fc.nat(4) }),
        fc.array(
          fc.record({ op: fc.constantFrom('take', 'give'), pool: fc.constantFrom(...pools) }),
          {
            maxLength: 25,
          },
        ),
        async (capacity, steps) => {
          const id = await given.session(centre, today, {
            capacity_dose1: capacity.dose1,
            capacity_dose2: capacity.dose2,
            capacity_precaution: capacity.precaution + 1,
          });
          const cap = { ...capacity, precaution: capacity.precaution + 1 };
          const taken = { dose1: 0, dose2: 0, precaution: 0 };
          for (const { op, pool } of steps) {
            const outcome = await (op === 'take' ? take(id, pool) : give(id, pool)).then(
              () => 'ok',
              codeOf,
            );
            if (op === 'take') {
              expect(outcome).toBe(taken[pool] < cap[pool] ? 'ok' : 'no-seats');
              if (outcome === 'ok') taken[pool]++;
            } else {
              expect(outcome).toBe(taken[pool] > 0 ? 'ok' : 'seat-not-taken');
              if (outcome === 'ok') taken[pool]--;
            }
            const row = await service.getSession(database.db, id);
            expect(taken.dose1 + row.available_dose1).toBe(row.capacity_dose1);
            expect(taken.dose2 + row.available_dose2).toBe(row.capacity_dose2);
            expect(taken.precaution + row.available_precaution).toBe(row.capacity_precaution);
          }
        },
      ),
      { numRuns: engine === 'postgres' ? 40 : 25 },
    );
  }, 120_000);
});

describe.runIf(engine === 'postgres')('seats under real concurrency (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    database = await freshDatabase(50);
  });
  afterAll(() => database.close());

  it('600 concurrent takes over 50 connections get exactly 50 seats, never below zero', async () => {
    const given = givenFacilities(database.db, service);
    const id = await given.session(await given.centre(), today, {
      capacity_dose1: 50,
      capacity_dose2: 0,
      capacity_precaution: 0,
    });
    let lowest = 50;
    const state = { running: true };
    const watcher = (async () => {
      while (state.running) {
        const row = await store.findSession(database.db, id);
        lowest = Math.min(lowest, row?.available_dose1 ?? -1);
      }
    })();
    const results = await Promise.allSettled(
      Array.from({ length: 600 }, () =>
        database.db.transaction().execute(async (tx) => {
          const session = await service.takeSeat(tx, id, 'dose1');
          // Work after the take (as booking does) holds the row lock a little longer.
          await tx.selectFrom('vaccines').select('code').execute();
          return session;
        }),
      ),
    );
    state.running = false;
    await watcher;
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(50);
    expect(lost.map((r) => codeOf(r.reason))).toEqual(Array(550).fill('no-seats'));
    expect(lowest).toBeGreaterThanOrEqual(0);
    expect((await store.findSession(database.db, id))?.available_dose1).toBe(0);

    // Giving back: 80 concurrent gives return exactly the 50 taken, never above capacity.
    const gives = await Promise.allSettled(
      Array.from({ length: 80 }, () =>
        database.db.transaction().execute((tx) => service.giveSeatBack(tx, id, 'dose1')),
      ),
    );
    expect(gives.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
    expect((await store.findSession(database.db, id))?.available_dose1).toBe(50);
  }, 60_000);
});
