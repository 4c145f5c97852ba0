import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cancel, givenCitizens, reschedule, schedule } from '../../../test/helpers/appointments.js';
import { type CitizenTestApp, citizenTestApp } from '../../../test/helpers/citizen.js';
import { givenFacilities } from '../../../test/helpers/facilities.js';
import { manualClock } from '../../platform/clock.js';

const clock = manualClock(new Date('2026-03-01T10:00:00Z'));
const SLOTS = ['09:00AM-11:00AM', '11:00AM-01:00PM'];
let t: CitizenTestApp;
let citizens: { token: string; ids: string[] }[];
let sessions: string[];

beforeAll(async () => {
  t = await citizenTestApp({}, { clock });
  const facilities = givenFacilities(t.database.db, t.app.facilities.service);
  const centre = await facilities.centre();
  sessions = [
    await facilities.session(centre, '2026-03-05', { capacity_dose1: 3, slots: SLOTS }),
    await facilities.session(centre, '2026-03-06', { capacity_dose1: 2, slots: SLOTS }),
  ];
  const given = givenCitizens(t.app, t.outbox, '91302');
  citizens = [await given.citizen(2), await given.citizen(2), await given.citizen(1)];
}, 60_000);
afterAll(() => t.close());

/** For every session: seats left plus seats held by open appointments is its capacity. */
async function expectSeatsBalance(): Promise<void> {
  const rows = await t.database.db
    .selectFrom('vaccination_sessions as s')
    .leftJoin('appointments as a', (join) =>
      join.onRef('a.session_id', '=', 's.session_id').on('a.status', '=', 'booked'),
    )
    .select((eb) => [
      's.session_id',
      's.capacity_dose1',
      's.available_dose1',
      eb.fn.count<number>('a.id').as('booked'),
    ])
    .where('s.session_id', 'in', sessions)
    .groupBy(['s.session_id', 's.capacity_dose1', 's.available_dose1'])
    .execute();
  for (const row of rows) {
    expect(row.available_dose1).toBeGreaterThanOrEqual(0);
    expect(row.booked + row.available_dose1).toBe(row.capacity_dose1);
  }
}

const step = fc.oneof(
  fc.record({
    kind: fc.constant('schedule' as const),
    citizen: fc.nat(2),
    session: fc.nat(1),
    slot: fc.nat(1),
    everyone: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('reschedule' as const),
    appointment: fc.nat(7),
    session: fc.nat(1),
    slot: fc.nat(1),
  }),
  fc.record({
    kind: fc.constant('cancel' as const),
    appointment: fc.nat(7),
    everyone: fc.boolean(),
  }),
);

describe('seats under any sequence of schedule, reschedule and cancel', () => {
  it('booked + available = capacity after every step; every answer a 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const made: { id: string; citizen: number; ids: string[] }[] = [];
        for (const s of steps) {
          let status: number;
          if (s.kind === 'schedule') {
            const { token, ids } = citizens[s.citizen] ?? { token: '', ids: [] };
            const beneficiaries = s.everyone ? ids : ids.slice(0, 1);
            const answer = await schedule(t.app, token, {
              dose: 1,
              session_id: sessions[s.session] ?? '',
              slot: SLOTS[s.slot] ?? '',
              beneficiaries,
            });
            status = answer.statusCode;
            if (status === 200) {
              const { appointment_confirmation_no: id } = answer.json<{
                appointment_confirmation_no: string;
              }>();
              made.push({ id, citizen: s.citizen, ids: beneficiaries });
            }
          } else {
            const appointment = made[s.appointment % Math.max(made.length, 1)];
            if (!appointment) continue;
            const { token } = citizens[appointment.citizen] ?? { token: '' };
            status =
              s.kind === 'reschedule'
                ? (
                    await reschedule(t.app, token, {
                      appointment_id: appointment.id,
                      session_id: sessions[s.session] ?? '',
                      slot: SLOTS[s.slot] ?? '',
                    })
                  ).statusCode
                : (
                    await cancel(t.app, token, {
                      appointment_id: appointment.id,
                      beneficiariesToCancel: s.everyone
                        ? appointment.ids
                        : appointment.ids.slice(-1),
                    })
                  ).statusCode;
          }
          expect(status).toBeLessThan(500);
          await expectSeatsBalance();
        }
        // Leave no open appointment for the next sequence.
        for (const { id, citizen, ids } of made) {
          for (const beneficiary of ids) {
            const { token } = citizens[citizen] ?? { token: '' };
            const answer = await cancel(t.app, token, {
              appointment_id: id,
              beneficiariesToCancel: [beneficiary],
            });
            expect([204, 404]).toContain(answer.statusCode);
          }
        }
        await expectSeatsBalance();
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
