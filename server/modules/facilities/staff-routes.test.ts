import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import {
  auditRows,
  type Session,
  staffClient,
  type TestClock,
} from '../../../test/helpers/staff.js';
import { manualClock } from '../../platform/clock.js';

let t: TestApp;
let clock: TestClock;
let staff: ReturnType<typeof staffClient>;
let national: Session;
let karnataka: Session; // state admin of state 16
let bbmp: Session; // district admin of district 294
let urban: Session; // district admin of district 265
let adminA: Session; // facility admin of centre A (district 294)
let adminB: Session; // facility admin of centre B (district 265)
let verifier: Session;
let vaccinator: Session;
let centreA: number;
let centreB: number;

const centreBody = (districtId: number, name = 'Primary Health Centre') => ({
  name,
  address: '1 Hospital Road',
  district_id: districtId,
  block_name: 'Block',
  pincode: 560041,
  lat: 12.9,
  long: 77.6,
  opens_at: '09:00',
  closes_at: '17:00',
  fee_type: 'Free',
});
const sessionBody = {
  date: '2026-03-10',
  vaccine: 'COVISHIELD',
  min_age_limit: 18,
  capacity_dose1: 10,
  capacity_dose2: 10,
  slots: ['09:00AM-11:00AM'],
};

const send = (method: 'POST' | 'PATCH', url: string, by: Session, payload: object) =>
  t.app.inject({ method, url, headers: by.headers, payload });
const createCentre = (by: Session, districtId: number) =>
  send('POST', '/api/v1/facilities/centres', by, centreBody(districtId));
const editCentre = (by: Session, centerId: number, name: string) =>
  send('PATCH', `/api/v1/facilities/centres/${centerId}`, by, { name });
const createSession = (by: Session, centerId: number) =>
  send('POST', `/api/v1/facilities/centres/${centerId}/sessions`, by, sessionBody);

const centreName = async (centerId: number) =>
  (
    await t.database.db
      .selectFrom('centres')
      .select('name')
      .where('center_id', '=', centerId)
      .executeTakeFirstOrThrow()
  ).name;
const counts = async () => ({
  centres: Number(
    (
      await t.database.db
        .selectFrom('centres')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  ),
  sessions: Number(
    (
      await t.database.db
        .selectFrom('vaccination_sessions')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  ),
});

beforeAll(async () => {
  clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  t = await testApp({}, { clock });
  staff = staffClient(t, clock);
  national = await staff.nationalAdmin();
  karnataka = await staff.member(national, 'ka.admin', [{ role: 'state-admin', state_id: 16 }]);
  bbmp = await staff.member(karnataka, 'bbmp.admin', [
    { role: 'district-admin', district_id: 294 },
  ]);
  urban = await staff.member(karnataka, 'urban.admin', [
    { role: 'district-admin', district_id: 265 },
  ]);
  centreA = (await createCentre(bbmp, 294)).json<{ center_id: number }>().center_id;
  centreB = (await createCentre(urban, 265)).json<{ center_id: number }>().center_id;
  adminA = await staff.member(bbmp, 'centre.a', [{ role: 'facility-admin', center_id: centreA }]);
  adminB = await staff.member(urban, 'centre.b', [{ role: 'facility-admin', center_id: centreB }]);
  verifier = await staff.member(bbmp, 'verifier.a', [{ role: 'verifier', center_id: centreA }]);
  vaccinator = await staff.member(bbmp, 'vax.a', [{ role: 'vaccinator', district_id: 294 }]);
});
afterAll(() => t.close());

describe('creating centres', () => {
  it('lets district, state and national admins create centres in their own districts, audited with the staff actor', async () => {
    for (const who of [bbmp, karnataka, national]) {
      const response = await createCentre(who, 294);
      expect(response.statusCode).toBe(201);
      const id = String(response.json<{ center_id: number }>().center_id);
      const [row] = (await auditRows(t.database.db, 'facilities.centre.create')).filter(
        (r) => r.subject_id === id,
      );
      expect(row).toMatchObject({ actor_type: 'staff', actor_id: who.id, outcome: 'allowed' });
    }
  });

  it('refuses an admin of another district, facility admins, verifiers and vaccinators; nothing is created', async () => {
    const before = await counts();
    for (const who of [urban, adminA, verifier, vaccinator]) {
      expect((await createCentre(who, 294)).statusCode).toBe(403);
    }
    expect((await createCentre(bbmp, 265)).statusCode).toBe(403);
    expect(await counts()).toEqual(before);
    const denied = (await auditRows(t.database.db, 'facilities.centre.create')).filter(
      (r) => r.outcome === 'denied',
    );
    expect(denied).toHaveLength(5);
    expect((await createCentre(bbmp, 294)).statusCode).toBe(201);
  });

  it('needs a login and a valid body', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/facilities/centres',
      payload: centreBody(294),
    });
    expect(anonymous.statusCode).toBe(401);
    const extra = await send('POST', '/api/v1/facilities/centres', bbmp, {
      ...centreBody(294),
      state_id: 1,
    });
    expect(extra.statusCode).toBe(400);
    const badHours = await send('POST', '/api/v1/facilities/centres', bbmp, {
      ...centreBody(294),
      closes_at: '08:00',
    });
    expect(badHours.json<{ code: string }>().code).toBe('closes-before-opening');
  });
});

describe('editing centres', () => {
  it('lets the centre’s facility admin and the admins above edit it, audited', async () => {
    for (const [who, name] of [
      [adminA, 'Edited by its facility admin'],
      [bbmp, 'Edited by the district'],
      [karnataka, 'Edited by the state'],
      [national, 'Edited by the nation'],
    ] as const) {
      expect((await editCentre(who, centreA, name)).statusCode).toBe(200);
      expect(await centreName(centreA)).toBe(name);
    }
    const rows = (await auditRows(t.database.db, 'facilities.centre.update')).filter(
      (r) => r.subject_id === String(centreA) && r.outcome === 'allowed',
    );
    expect(rows.map((r) => r.actor_id)).toEqual([adminA.id, bbmp.id, karnataka.id, national.id]);
  });

  it('refuses an out-of-jurisdiction district admin, another centre’s admin, verifiers and vaccinators; nothing changes', async () => {
    const name = await centreName(centreB);
    for (const who of [bbmp, adminA, verifier, vaccinator]) {
      expect((await editCentre(who, centreB, 'Hijacked')).statusCode).toBe(403);
    }
    expect((await editCentre(verifier, centreA, 'Hijacked')).statusCode).toBe(403);
    expect((await editCentre(adminB, centreA, 'Hijacked')).statusCode).toBe(403);
    expect(await centreName(centreB)).toBe(name);
    expect(await centreName(centreA)).not.toBe('Hijacked');
  });

  it('refuses an unknown centre like a foreign one, and malformed ids as bad input', async () => {
    expect((await editCentre(bbmp, 999_999_999, 'x')).statusCode).toBe(403);
    expect(
      (await send('PATCH', '/api/v1/facilities/centres/abc', bbmp, { name: 'x' })).statusCode,
    ).toBe(400);
    expect(
      (await send('PATCH', `/api/v1/facilities/centres/${centreA}`, bbmp, { district_id: 265 }))
        .statusCode,
    ).toBe(400);
  });
});

describe('creating sessions', () => {
  it('lets the centre’s facility admin and the admins above create sessions, audited', async () => {
    for (const who of [adminA, bbmp, karnataka, national]) {
      const response = await createSession(who, centreA);
      expect(response.statusCode).toBe(201);
      const id = response.json<{ session_id: string }>().session_id;
      const [row] = (await auditRows(t.database.db, 'facilities.session.create')).filter(
        (r) => r.subject_id === id,
      );
      expect(row).toMatchObject({ actor_type: 'staff', actor_id: who.id, outcome: 'allowed' });
    }
    const search = await t.app.inject({
      url: `/api/v2/appointment/sessions/public/calendarByCenter?center_id=${centreA}&date=10-03-2026`,
    });
    expect(search.json<{ centers: { sessions: unknown[] } }>().centers.sessions).toHaveLength(4);
  });

  it('refuses an out-of-jurisdiction district admin, another centre’s admin, verifiers and vaccinators; nothing is created', async () => {
    const before = await counts();
    for (const who of [bbmp, adminA, verifier, vaccinator]) {
      expect((await createSession(who, centreB)).statusCode).toBe(403);
    }
    for (const who of [adminB, verifier, vaccinator, urban]) {
      expect((await createSession(who, centreA)).statusCode).toBe(403);
    }
    expect(await counts()).toEqual(before);
  });

  it('answers bad sessions with the service’s clear 4xx', async () => {
    const past = await send('POST', `/api/v1/facilities/centres/${centreA}/sessions`, adminA, {
      ...sessionBody,
      date: '2026-02-01',
    });
    expect(past.json<{ code: string }>().code).toBe('session-in-past');
    const smuggled = await send('POST', `/api/v1/facilities/centres/${centreA}/sessions`, adminA, {
      ...sessionBody,
      center_id: centreB,
    });
    expect(smuggled.statusCode).toBe(400);
  });
});

describe('editing sessions', () => {
  let sessionA: string;
  let sessionB: string;
  const editSession = (by: Session, id: string, changes: object) =>
    send('PATCH', `/api/v1/facilities/sessions/${id}`, by, changes);
  const session = (id: string) => t.app.facilities.service.getSession(t.database.db, id);

  beforeAll(async () => {
    sessionA = (await createSession(adminA, centreA)).json<{ session_id: string }>().session_id;
    sessionB = (await createSession(adminB, centreB)).json<{ session_id: string }>().session_id;
  });

  it('lets the centre’s facility admin and the admins above change seats and slots, keeping what is not sent; audited', async () => {
    for (const [who, seats] of [
      [adminA, 20],
      [bbmp, 30],
      [karnataka, 40],
      [national, 50],
    ] as const) {
      expect((await editSession(who, sessionA, { capacity_dose1: seats })).statusCode).toBe(200);
      expect(await session(sessionA)).toMatchObject({
        capacity_dose1: seats,
        available_dose1: seats,
        capacity_dose2: 10,
        min_age_limit: 18,
        slots: ['09:00AM-11:00AM'],
      });
    }
    expect(
      (await editSession(adminA, sessionA, { slots: ['09:00AM-10:00AM', '10:00AM-11:00AM'] }))
        .statusCode,
    ).toBe(200);
    expect((await session(sessionA)).slots).toEqual(['09:00AM-10:00AM', '10:00AM-11:00AM']);
    const rows = (await auditRows(t.database.db, 'facilities.session.update')).filter(
      (r) => r.subject_id === sessionA && r.outcome === 'allowed',
    );
    expect(rows.map((r) => r.actor_id)).toEqual([
      adminA.id,
      bbmp.id,
      karnataka.id,
      national.id,
      adminA.id,
    ]);
  });

  it('never lowers a capacity below the seats already taken', async () => {
    await t.database.db
      .transaction()
      .execute((tx) => t.app.facilities.service.takeSeat(tx, sessionA, 'dose2'));
    const refused = await editSession(adminA, sessionA, { capacity_dose2: 0 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ code: string }>().code).toBe('capacity-below-taken');
    expect((await editSession(adminA, sessionA, { capacity_dose2: 5 })).statusCode).toBe(200);
    expect(await session(sessionA)).toMatchObject({ capacity_dose2: 5, available_dose2: 4 });
  });

  it('refuses an out-of-jurisdiction district admin, another centre’s admin, verifiers and vaccinators; nothing changes', async () => {
    const before = await session(sessionB);
    for (const who of [bbmp, adminA, verifier, vaccinator]) {
      expect((await editSession(who, sessionB, { capacity_dose1: 0 })).statusCode).toBe(403);
    }
    expect(await session(sessionB)).toEqual(before);
  });

  it('answers bad changes with a clear 4xx', async () => {
    const cases: [string, object, number, string][] = [
      [sessionA, { vaccine: 'COVAXIN' }, 400, 'invalid'],
      [sessionA, { min_age_limit: 60, max_age_limit: 45 }, 400, 'age-limits'],
      [sessionA, { slots: ['06:00AM-07:00AM'] }, 400, 'slot-outside-hours'],
      ['not-a-session', { min_age_limit: 45 }, 400, 'invalid'],
      ['00000000-0000-4000-8000-000000000000', { min_age_limit: 45 }, 404, 'unknown-session'],
    ];
    for (const [id, changes, status, code] of cases) {
      const response = await editSession(adminA, id, changes);
      expect({ status: response.statusCode, code: response.json<{ code: string }>().code }).toEqual(
        {
          status,
          code,
        },
      );
    }
  });
});

describe('listing my centres', () => {
  const mine = (by?: Session) =>
    t.app.inject({
      method: 'GET',
      url: '/api/v1/facilities/centres/mine',
      ...(by ? { headers: by.headers } : {}),
    });
  interface Mine {
    vaccines: string[];
    centres: { center_id: number; name: string; opens_at: string; sessions: object[] }[];
  }

  it('gives a facility admin their own centre only, as the edit API takes it, with its sessions from today on', async () => {
    const made = await createSession(adminA, centreA);
    expect(made.statusCode).toBe(201);
    const { session_id } = made.json<{ session_id: string }>();
    const response = await mine(adminA);
    expect(response.statusCode).toBe(200);
    const { centres, vaccines } = response.json<Mine>();
    expect(vaccines).toContain('COVISHIELD');
    expect(centres.map((c) => c.center_id)).toEqual([centreA]);
    expect(centres[0]).toMatchObject({
      name: await centreName(centreA),
      opens_at: '09:00',
      closes_at: '17:00',
      district_id: 294,
      active: true,
      vaccine_fees: [],
    });
    expect(centres[0]?.sessions).toContainEqual(
      expect.objectContaining({
        session_id,
        date: '2026-03-10',
        vaccine: 'COVISHIELD',
        capacity_dose1: 10,
        available_dose1: 10,
        slots: ['09:00AM-11:00AM'],
        allow_walk_in: false,
      }),
    );
    const other = (await mine(adminB)).json<Mine>().centres;
    expect(other.map((c) => c.center_id)).toEqual([centreB]);
    expect(other[0]?.sessions.some((s) => 'session_id' in s && s.session_id === session_id)).toBe(
      false,
    );
  });

  it('leaves out sessions before today (India)', async () => {
    // Written straight to the table: the API refuses to create a session in the past.
    const past = await t.database.db
      .insertInto('vaccination_sessions')
      .values({
        center_id: centreA,
        date: '2026-02-28',
        vaccine: 'COVISHIELD',
        min_age_limit: 18,
        capacity_dose1: 5,
        capacity_dose2: 5,
        available_dose1: 5,
        available_dose2: 5,
        capacity_precaution: 0,
        available_precaution: 0,
        slots: JSON.stringify(['09:00AM-11:00AM']),
      })
      .returning('session_id')
      .executeTakeFirstOrThrow();
    const { centres } = (await mine(adminA)).json<Mine>();
    expect(centres[0]?.sessions.length).toBeGreaterThan(0);
    expect(
      centres[0]?.sessions.some((s) => 'session_id' in s && s.session_id === past.session_id),
    ).toBe(false);
  });

  it('lists nothing for staff who are not facility admins, and refuses without a session', async () => {
    for (const who of [verifier, vaccinator, bbmp, national]) {
      const response = await mine(who);
      expect(response.statusCode).toBe(200);
      expect(response.json<Mine>().centres).toEqual([]);
    }
    const anonymous = await mine();
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
  });
});

describe('one centre for its managers', () => {
  const managed = (by: Session | undefined, centerId: number | string) =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/facilities/centres/${centerId}/managed`,
      ...(by ? { headers: by.headers } : {}),
    });

  it('gives the centre with its sessions and the vaccines to its facility admin and the admins above', async () => {
    for (const who of [adminA, bbmp, karnataka, national]) {
      const response = await managed(who, centreA);
      expect(response.statusCode).toBe(200);
      const body = response.json<{ vaccines: string[]; centres: { center_id: number }[] }>();
      expect(body.centres.map((c) => c.center_id)).toEqual([centreA]);
      expect(body.vaccines).toContain('COVISHIELD');
    }
  });

  it('refuses another centre’s admin, another district’s admin, desk staff and an unknown centre alike; audited', async () => {
    for (const [who, id] of [
      [adminB, centreA],
      [urban, centreA],
      [verifier, centreA],
      [vaccinator, centreA],
      [adminA, 999_999],
    ] as const) {
      const response = await managed(who, id);
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    const denied = (await auditRows(t.database.db, 'facilities.centre.read')).filter(
      (r) => r.outcome === 'denied',
    );
    expect(denied).toHaveLength(5);
    expect((await managed(undefined, centreA)).statusCode).toBe(401);
    expect((await managed(adminA, 'abc')).statusCode).toBe(400);
  });
});

describe('closing sessions', () => {
  const close = (by: Session, id: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/facilities/sessions/${id}/close`,
      headers: by.headers,
    });
  const session = (id: string) => t.app.facilities.service.getSession(t.database.db, id);

  it('closes a session to new bookings, keeping the seats taken; audited', async () => {
    const id = (await createSession(adminA, centreA)).json<{ session_id: string }>().session_id;
    await t.database.db
      .transaction()
      .execute((tx) => t.app.facilities.service.takeSeat(tx, id, 'dose1'));
    const response = await close(adminA, id);
    expect(response.statusCode).toBe(200);
    expect(await session(id)).toMatchObject({
      capacity_dose1: 1,
      available_dose1: 0,
      capacity_dose2: 0,
      available_dose2: 0,
      available_precaution: 0,
    });
    await expect(
      t.database.db
        .transaction()
        .execute((tx) => t.app.facilities.service.takeSeat(tx, id, 'dose2')),
    ).rejects.toMatchObject({ code: 'no-seats' });
    expect((await auditRows(t.database.db, 'facilities.session.close')).at(-1)).toMatchObject({
      actor_id: adminA.id,
      subject_id: id,
      outcome: 'allowed',
    });
    // Seats can be offered again by a change of capacity.
    const reopened = await send('PATCH', `/api/v1/facilities/sessions/${id}`, bbmp, {
      capacity_dose2: 4,
    });
    expect(reopened.statusCode).toBe(200);
    expect(await session(id)).toMatchObject({ capacity_dose2: 4, available_dose2: 4 });
  });

  it('refuses staff outside the centre, unknown and malformed ids, and a past session; nothing changes', async () => {
    const id = (await createSession(adminB, centreB)).json<{ session_id: string }>().session_id;
    const before = await session(id);
    for (const who of [adminA, bbmp, verifier, vaccinator]) {
      expect((await close(who, id)).statusCode).toBe(403);
    }
    expect(await session(id)).toEqual(before);
    expect((await close(adminA, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await close(adminA, 'not-a-session')).statusCode).toBe(400);
    const past = await t.database.db
      .insertInto('vaccination_sessions')
      .values({
        center_id: centreA,
        date: '2026-02-27',
        vaccine: 'COVISHIELD',
        min_age_limit: 18,
        capacity_dose1: 5,
        capacity_dose2: 5,
        available_dose1: 5,
        available_dose2: 5,
        capacity_precaution: 0,
        available_precaution: 0,
        slots: JSON.stringify(['09:00AM-11:00AM']),
      })
      .returning('session_id')
      .executeTakeFirstOrThrow();
    const refused = await close(adminA, past.session_id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ code: string }>().code).toBe('session-in-past');
  });
});
