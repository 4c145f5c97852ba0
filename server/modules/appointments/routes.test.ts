import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cancel, givenCitizens, reschedule, schedule } from '../../../test/helpers/appointments.js';
import { bearer, type CitizenTestApp, citizenTestApp } from '../../../test/helpers/citizen.js';
import { givenFacilities } from '../../../test/helpers/facilities.js';
import { manualClock } from '../../platform/clock.js';

const START = new Date('2026-03-01T10:00:00Z');
const clock = manualClock(START);
let t: CitizenTestApp;
let given: ReturnType<typeof givenCitizens>;
let facilities: ReturnType<typeof givenFacilities>;
let centre: number;
const SLOT = '09:00AM-11:00AM';

beforeAll(async () => {
  t = await citizenTestApp({}, { clock });
  given = givenCitizens(t.app, t.outbox, '91301');
  facilities = givenFacilities(t.database.db, t.app.facilities.service);
  centre = await facilities.centre();
});
afterAll(() => t.close());

/** What any refused request must leave as it was. */
async function counts(sessionId: string) {
  const session = await t.app.facilities.service.getSession(t.database.db, sessionId);
  const open = await t.database.db
    .selectFrom('appointments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'booked')
    .executeTakeFirstOrThrow();
  return {
    dose1: session.available_dose1,
    dose2: session.available_dose2,
    precaution: session.available_precaution,
    open: open.n,
  };
}

/** Records a given dose as the vaccination domain will (it has no store yet). */
async function givenDose(id: string, vaccine: string, dose1: string, dose2?: string) {
  await t.database.db
    .updateTable('beneficiaries')
    .set({ doses_given: dose2 ? 2 : 1, vaccine, dose1_date: dose1, dose2_date: dose2 ?? null })
    .where('beneficiary_reference_id', '=', id)
    .execute();
}

describe('booking (CoWIN v2 schedule)', () => {
  it('books, lists the appointment with the beneficiary, serves the slip, and records it', async () => {
    const session = await facilities.session(centre, '2026-03-05');
    const { token, ids } = await given.citizen(2);
    const before = await counts(session);
    const booked = await schedule(t.app, token, {
      dose: 1,
      session_id: session,
      slot: SLOT,
      beneficiaries: ids,
    });
    expect(booked.statusCode).toBe(200);
    const { appointment_confirmation_no: id } = booked.json<{
      appointment_confirmation_no: string;
    }>();
    expect(await counts(session)).toEqual({
      ...before,
      dose1: before.dose1 - 2,
      open: before.open + 2,
    });

    const listed = await t.app.inject({
      url: '/api/v2/appointment/beneficiaries',
      headers: bearer(token),
    });
    const [first] = listed.json<{ beneficiaries: { appointments: unknown[] }[] }>().beneficiaries;
    expect(first?.appointments).toEqual([
      {
        appointment_id: id,
        center_id: centre,
        name: expect.any(String) as string,
        state_name: 'Karnataka',
        district_name: expect.any(String) as string,
        block_name: 'Bommanahalli',
        from: '09:00:00',
        to: '17:00:00',
        dose: 1,
        session_id: session,
        date: '05-03-2026',
        slot: SLOT,
      },
    ]);

    const slip = await t.app.inject({
      url: `/api/v2/appointment/appointmentslip/download?appointment_id=${id}`,
      headers: bearer(token),
    });
    expect(slip.statusCode).toBe(200);
    expect(slip.headers['content-type']).toBe('application/pdf');
    expect(slip.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const stranger = await given.citizen(0);
    const theirs = await t.app.inject({
      url: `/api/v2/appointment/appointmentslip/download?appointment_id=${id}`,
      headers: bearer(stranger.token),
    });
    expect(theirs.statusCode).toBe(404);

    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'subject_type'])
      .where('subject_id', '=', id)
      .execute();
    expect(audit).toEqual([
      { action: 'appointment.schedule', outcome: 'allowed', subject_type: 'appointment' },
    ]);
  });

  it('refuses every broken rule and bad input with a clear 4xx and changes no count', async () => {
    const session = await facilities.session(centre, '2026-03-05');
    const covaxin = await facilities.session(centre, '2026-04-05', { vaccine: 'COVAXIN' });
    const { token, ids } = await given.citizen(3);
    const [mine = '', second = '', third = ''] = ids;
    const other = await given.citizen(1);
    const young = await given.citizen(1, 2011);
    const base = { dose: 1, session_id: session, slot: SLOT, beneficiaries: [mine] };
    const cases: [string, string, object, number, string?][] = [
      [
        'someone else’s beneficiary',
        token,
        { ...base, beneficiaries: [mine, ...other.ids] },
        404,
        'beneficiary-not-found',
      ],
      [
        'an unknown beneficiary',
        token,
        { ...base, beneficiaries: ['12345678901234'] },
        404,
        'beneficiary-not-found',
      ],
      [
        'an unknown session',
        token,
        { ...base, session_id: '3f1c2d9e-0000-4000-8000-000000000000' },
        404,
        'unknown-session',
      ],
      ['a date for a session id', token, { ...base, session_id: '31-02-2026' }, 400],
      ['a date for a slot', token, { ...base, slot: '31-02-2026' }, 400],
      [
        'a slot the session lacks',
        token,
        { ...base, slot: '05:00PM-06:00PM' },
        400,
        'unknown-slot',
      ],
      ['dose 0', token, { ...base, dose: 0 }, 400],
      ['dose 4', token, { ...base, dose: 4 }, 400],
      ['a negative dose', token, { ...base, dose: -1 }, 400],
      ['a huge dose', token, { ...base, dose: 1e308 }, 400],
      ['a dose as text', token, { ...base, dose: '1' }, 400],
      ['no beneficiaries', token, { ...base, beneficiaries: [] }, 400],
      [
        'five beneficiaries',
        token,
        { ...base, beneficiaries: [mine, mine, mine, mine, mine] },
        400,
      ],
      [
        'a beneficiary twice',
        token,
        { ...base, beneficiaries: [mine, mine] },
        400,
        'duplicate-beneficiary',
      ],
      ['an unknown field', token, { ...base, extra: 1 }, 400],
      ['dose 2 before dose 1', token, { ...base, dose: 2 }, 409, 'earlier-dose-first'],
      ['a precaution dose before any', token, { ...base, dose: 3 }, 409, 'earlier-dose-first'],
      [
        'an age below the session’s',
        young.token,
        { ...base, beneficiaries: young.ids },
        409,
        'age-not-eligible',
      ],
    ];
    const before = await counts(session);
    for (const [what, caller, body, status, code] of cases) {
      const answer = await schedule(t.app, caller, body as Parameters<typeof schedule>[2]);
      expect({ what, status: answer.statusCode }).toEqual({ what, status });
      if (code)
        expect({ what, code: answer.json<{ code: string }>().code }).toEqual({ what, code });
    }
    expect(await counts(session)).toEqual(before);

    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v2/appointment/schedule',
      payload: base,
    });
    expect(anonymous.statusCode).toBe(401);

    // Dose 2: the vaccine of dose 1, in its interval (COVISHIELD: 84 to 112 days).
    await givenDose(second, 'COVISHIELD', '2026-01-01');
    await givenDose(third, 'COVISHIELD', '2025-12-01');
    const dose2 = { ...base, dose: 2, beneficiaries: [second] };
    for (const [body, code] of [
      [{ ...dose2, session_id: covaxin }, 'vaccine-mismatch'],
      [dose2, 'dose-too-early'],
      [{ ...dose2, beneficiaries: [second], dose: 1 }, 'dose-already-given'],
    ] as const) {
      const answer = await schedule(t.app, token, body);
      expect(answer.statusCode).toBe(409);
      expect(answer.json<{ code: string }>().code).toBe(code);
    }
    await givenDose(second, 'COVISHIELD', '2025-10-01');
    const tooLate = await schedule(t.app, token, dose2);
    expect([tooLate.statusCode, tooLate.json<{ code: string }>().code]).toEqual([
      409,
      'dose-too-late',
    ]);
    const dueNow = await facilities.session(centre, '2026-03-02');
    const inWindow = await schedule(t.app, token, {
      ...dose2,
      beneficiaries: [third],
      session_id: dueNow,
    });
    expect(inWindow.statusCode).toBe(200);
    expect(await counts(session)).toEqual({ ...before, open: before.open + 1 });

    // A session that is over.
    clock.set(new Date('2026-03-06T10:00:00Z'));
    try {
      // Tokens are short-lived: a login at the new time.
      const later = await given.citizen(1);
      const past = await schedule(t.app, later.token, { ...base, beneficiaries: later.ids });
      expect(past.statusCode).toBe(409);
      expect(past.json<{ code: string }>().code).toBe('session-past');
    } finally {
      clock.set(START);
    }

    const refusals = await t.database.db
      .selectFrom('audit_log')
      .select('reason')
      .where('action', '=', 'appointment.schedule')
      .where('outcome', '=', 'denied')
      .execute();
    expect(refusals.map((r) => r.reason)).toContain('beneficiary-not-found');
    expect(refusals.map((r) => r.reason)).toContain('session-past');
  });

  it('keeps one open appointment per beneficiary and stops at zero seats', async () => {
    const session = await facilities.session(centre, '2026-03-05', { capacity_dose1: 1 });
    const a = await given.citizen(1);
    const b = await given.citizen(1);
    const body = (ids: string[]) => ({
      dose: 1,
      session_id: session,
      slot: SLOT,
      beneficiaries: ids,
    });
    expect((await schedule(t.app, a.token, body(a.ids))).statusCode).toBe(200);
    const again = await schedule(t.app, a.token, body(a.ids));
    expect([again.statusCode, again.json<{ code: string }>().code]).toEqual([
      409,
      'appointment-exists',
    ]);
    const full = await schedule(t.app, b.token, body(b.ids));
    expect([full.statusCode, full.json<{ code: string }>().code]).toEqual([409, 'no-seats']);
    expect(await counts(session)).toMatchObject({ dose1: 0 });
  });
});

describe('cancel and reschedule', () => {
  it('will not delete a beneficiary holding a seat until the appointment is cancelled', async () => {
    const session = await facilities.session(centre, '2026-03-05');
    const { token, ids } = await given.citizen(1);
    const [id = ''] = ids;
    const booked = await schedule(t.app, token, {
      dose: 1,
      session_id: session,
      slot: SLOT,
      beneficiaries: ids,
    });
    const appointment_id = booked.json<{ appointment_confirmation_no: string }>()
      .appointment_confirmation_no;
    const held = await counts(session);
    const remove = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v2/registration/beneficiary/delete',
        headers: bearer(token),
        payload: { beneficiary_reference_id: id },
      });
    const refused = await remove();
    expect([refused.statusCode, refused.json<{ code: string }>().code]).toEqual([
      409,
      'beneficiary-has-appointment',
    ]);
    expect(await counts(session)).toEqual(held);
    expect(
      (await cancel(t.app, token, { appointment_id, beneficiariesToCancel: ids })).statusCode,
    ).toBe(204);
    expect((await remove()).statusCode).toBe(204);
    expect(await counts(session)).toMatchObject({ dose1: held.dose1 + 1, open: held.open - 1 });
  });

  it('give the seat back exactly once, only to the owner', async () => {
    const first = await facilities.session(centre, '2026-03-05');
    const second = await facilities.session(centre, '2026-03-06', { capacity_dose1: 1 });
    const { token, ids } = await given.citizen(2);
    const other = await given.citizen(1);
    const booked = await schedule(t.app, token, {
      dose: 1,
      session_id: first,
      slot: SLOT,
      beneficiaries: ids,
    });
    const appointment_id = booked.json<{ appointment_confirmation_no: string }>()
      .appointment_confirmation_no;
    const afterBooking = await counts(first);

    // Someone else's appointment, or with someone else's beneficiary: 404, nothing moves.
    expect(
      (await cancel(t.app, other.token, { appointment_id, beneficiariesToCancel: ids })).statusCode,
    ).toBe(404);
    expect(
      (await cancel(t.app, token, { appointment_id, beneficiariesToCancel: other.ids })).statusCode,
    ).toBe(404);
    expect(
      (await reschedule(t.app, other.token, { appointment_id, session_id: second, slot: SLOT }))
        .statusCode,
    ).toBe(404);
    expect(
      (
        await reschedule(t.app, token, {
          appointment_id: '31-02-2026',
          session_id: second,
          slot: SLOT,
        })
      ).statusCode,
    ).toBe(400);
    // Two people into one free seat: refused whole.
    const tooMany = await reschedule(t.app, token, {
      appointment_id,
      session_id: second,
      slot: SLOT,
    });
    expect([tooMany.statusCode, tooMany.json<{ code: string }>().code]).toEqual([409, 'no-seats']);
    expect(await counts(first)).toEqual(afterBooking);
    expect(await counts(second)).toMatchObject({ dose1: 1 });

    const [one = '', two = ''] = ids;
    expect(
      (await cancel(t.app, token, { appointment_id, beneficiariesToCancel: [one] })).statusCode,
    ).toBe(204);
    expect(await counts(first)).toMatchObject({ dose1: afterBooking.dose1 + 1 });
    const twice = await cancel(t.app, token, { appointment_id, beneficiariesToCancel: [one] });
    expect([twice.statusCode, twice.json<{ code: string }>().code]).toEqual([
      404,
      'appointment-not-found',
    ]);
    expect(await counts(first)).toMatchObject({ dose1: afterBooking.dose1 + 1 });

    const moved = await reschedule(t.app, token, {
      appointment_id,
      session_id: second,
      slot: '11:00AM-01:00PM',
    });
    expect(moved.statusCode).toBe(204);
    expect(await counts(first)).toMatchObject({ dose1: afterBooking.dose1 + 2 });
    expect(await counts(second)).toMatchObject({ dose1: 0 });
    expect(
      (await cancel(t.app, token, { appointment_id, beneficiariesToCancel: [two] })).statusCode,
    ).toBe(204);
    expect(await counts(second)).toMatchObject({ dose1: 1 });
    expect(
      (await reschedule(t.app, token, { appointment_id, session_id: first, slot: SLOT }))
        .statusCode,
    ).toBe(404);

    const actions = await t.database.db
      .selectFrom('audit_log')
      .select(['action'])
      .where('subject_id', '=', appointment_id)
      .where('outcome', '=', 'allowed')
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      'appointment.schedule',
      'appointment.cancel',
      'appointment.reschedule',
      'appointment.cancel',
    ]);
  });
});
