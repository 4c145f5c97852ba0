import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AADHAAR } from '../../../test/helpers/citizen.js';
import { auditRows } from '../../../test/helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';

let w: VaccinationWorld;
let sessionA: string;
let sessionB: string;
let ref: string;
let appointmentId: string;
beforeAll(async () => {
  w = await vaccinationWorld('98452');
  sessionA = await w.session(w.centreA);
  sessionB = await w.session(w.centreB, 0, { allow_walk_in: true });
  const { token, ids } = await w.citizen(1);
  ref = ids[0] ?? '';
  appointmentId = (await w.book(token, sessionA, [ref])).json<{
    appointment_confirmation_no: string;
  }>().appointment_confirmation_no;
});
afterAll(() => w.close());

const code = (response: { json: () => unknown }) => (response.json() as { code: string }).code;

/** What a refused dose request must leave untouched. */
const snapshot = async () => ({
  doses: await w.count('doses'),
  certificates: await w.count('certificates'),
  recorded: (await auditRows(w.t.database.db, 'vaccination.dose.record')).filter(
    (r) => r.outcome === 'allowed',
  ).length,
  seats: await w.t.database.db
    .selectFrom('vaccination_sessions')
    .select(['session_id', 'available_dose1', 'available_dose2'])
    .orderBy('session_id')
    .execute(),
});

describe('jurisdiction', () => {
  it('refuses staff of another centre (403, audited) and finds nobody through another centre', async () => {
    const list = await w.today(w.verifierB, w.centreA);
    expect(list.statusCode).toBe(403);
    expect((await w.find(w.verifierB, w.centreA, `reference_id=${ref}`)).statusCode).toBe(403);
    // The other centre's own desk cannot reach this appointment id (it is not at that centre).
    const foreign = await w.find(w.verifierB, w.centreB, `appointment_id=${appointmentId}`);
    expect(foreign.statusCode).toBe(404);
    expect(code(foreign)).toBe('beneficiary-not-expected');
    expect((await w.identity(w.verifierB, sessionA, ref, '1234')).statusCode).toBe(403);
    // Vaccinators do not run the verifier's desk.
    expect((await w.today(w.vaccinator, w.centreA)).statusCode).toBe(403);
    const denied = (await auditRows(w.t.database.db, 'vaccination.appointments.list')).filter(
      (r) => r.outcome === 'denied' && r.reason === 'outside-jurisdiction',
    );
    expect(denied).toHaveLength(2);
  });

  it('refuses a dose recorded by another centre’s vaccinator or by a verifier; nothing recorded', async () => {
    await w.checkIn(sessionA, ref);
    const before = await snapshot();
    for (const who of [w.vaccinatorB, w.verifier, w.bbmp]) {
      const response = await w.dose(who, w.doseBody(sessionA, ref));
      expect(response.statusCode).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
    const denied = (await auditRows(w.t.database.db, 'vaccination.dose.record')).filter(
      (r) => r.outcome === 'denied' && r.actor_id === w.vaccinatorB.id,
    );
    expect(denied).toHaveLength(1);
    expect(denied[0]?.reason).toBe('outside-jurisdiction');
  });
});

describe('bad dose requests', () => {
  it('answers each with a clear 4xx and records nothing', async () => {
    const before = await snapshot();
    const cases: [object, string | undefined, number, string][] = [
      [
        w.doseBody(sessionA, ref, 1, { vaccine: 'COVAXIN' }),
        undefined,
        409,
        'vaccine-not-in-session',
      ],
      [w.doseBody(sessionA, ref, 1, { batch: 'BAD BATCH!' }), undefined, 400, 'invalid'],
      [w.doseBody(sessionA, ref, 1, { batch: 'AB' }), undefined, 400, 'invalid'],
      [w.doseBody(sessionA, ref, 2), undefined, 409, 'earlier-dose-first'],
      [w.doseBody(sessionA, ref, 1), 'short', 400, 'invalid'],
      [w.doseBody(sessionA, ref, 1), 'spaces are not allowed here!!', 400, 'invalid'],
      [w.doseBody(sessionA, ref, 1, { dose: 4 }), undefined, 400, 'invalid'],
      [w.doseBody(sessionA, ref, 1, { extra: true }), undefined, 400, 'invalid'],
      [
        w.doseBody(sessionA, ref, 1, {
          vaccinated_at: new Date(Date.parse('2026-03-01T04:00:00Z')).toISOString(),
        }),
        undefined,
        409,
        'outside-session-date',
      ],
      [
        w.doseBody(sessionA, ref, 1, {
          vaccinated_at: new Date(w.clock.now().getTime() + 3_600_000).toISOString(),
        }),
        undefined,
        409,
        'vaccinated-in-future',
      ],
      [w.doseBody(sessionA, '12345678901234'), undefined, 404, 'beneficiary-not-found'],
      [w.doseBody('00000000-0000-4000-8000-000000000000', ref), undefined, 404, 'unknown-session'],
    ];
    for (const [body, key, status, problem] of cases) {
      const response =
        key === undefined
          ? await w.dose(w.vaccinator, body)
          : await w.dose(w.vaccinator, body, key);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(code(response), JSON.stringify(body)).toBe(problem);
    }
    const missing = await w.dose(w.vaccinator, w.doseBody(sessionA, ref), null);
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ errors: { path: string }[] }>().errors[0]?.path).toContain(
      'idempotency-key',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a dose for someone not marked arrived at that session', async () => {
    const { ids } = await w.citizen(1);
    const before = await snapshot();
    const response = await w.dose(w.vaccinatorB, w.doseBody(sessionB, ids[0] ?? ''));
    expect(response.statusCode).toBe(409);
    expect(code(response)).toBe('not-arrived');
    expect(await snapshot()).toEqual(before);
  });

  it('replays the same key and body once recorded, and refuses the key with another body', async () => {
    const key = 'retry-key-0000000001';
    const body = w.doseBody(sessionA, ref);
    const first = await w.dose(w.vaccinator, body, key);
    expect(first.statusCode).toBe(200);
    const after = await snapshot();
    const again = await w.dose(w.vaccinator, body, key);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await w.dose(w.vaccinator, { ...body, batch: 'OTHER123' }, key);
    expect(other.statusCode).toBe(409);
    expect(code(other)).toBe('idempotency-key-reused');
    // A new key for the same dose is the rule "no dose twice", not a replay.
    const twice = await w.dose(w.vaccinator, body);
    expect(twice.statusCode).toBe(409);
    expect(code(twice)).toBe('dose-already-given');
    expect(await snapshot()).toEqual(after);
  });
});

describe('walk-ins', () => {
  const walkIn = (photo: string, mobile: string) => ({
    name: 'Walk In Person',
    birth_year: '1990',
    gender_id: 1,
    photo_id_type: 1,
    photo_id_number: photo,
    mobile,
  });

  it('registers on site by the online rules, takes one seat, and vaccinates without a second', async () => {
    const seat = async () =>
      (
        await w.t.database.db
          .selectFrom('vaccination_sessions')
          .select('available_dose1')
          .where('session_id', '=', sessionB)
          .executeTakeFirstOrThrow()
      ).available_dose1;
    const before = await seat();
    const made = await w.walkIn(w.verifierB, sessionB, walkIn(AADHAAR[0] ?? '', '9845200001'));
    expect(made.statusCode).toBe(201);
    const walked = made.json<{ beneficiary_reference_id: string; appointment_id: string }>();
    expect(await seat()).toBe(before - 1);
    const dose = await w.dose(w.vaccinatorB, w.doseBody(sessionB, walked.beneficiary_reference_id));
    expect(dose.statusCode).toBe(200);
    expect(dose.json()).toMatchObject({ appointment_id: walked.appointment_id });
    expect(await seat()).toBe(before - 1);
    // The same photo ID again, anywhere: refused, whose it is never said.
    const duplicate = await w.walkIn(w.verifierB, sessionB, walkIn(AADHAAR[0] ?? '', '9845200002'));
    expect(duplicate.statusCode).toBe(409);
    expect(code(duplicate)).toBe('photo-id-already-registered');
    const badId = await w.walkIn(w.verifierB, sessionB, walkIn('123456789012', '9845200002'));
    expect(code(badId)).toBe('invalid-photo-id');
    expect(await seat()).toBe(before - 1);
  });

  it('gives the form its photo ID types and genders, to the centre’s verifiers only', async () => {
    const choices = (by: typeof w.verifier, centre: number | string) =>
      w.t.app.inject({
        method: 'GET',
        url: `/api/v1/vaccinations/centres/${centre}/walk-in-choices`,
        headers: by.headers,
      });
    const given = await choices(w.verifierB, w.centreB);
    expect(given.statusCode).toBe(200);
    const body = given.json<{
      types: { id: string; type: string }[];
      genders: { id: number; gender: string }[];
    }>();
    expect(body.types).toContainEqual({ id: '1', type: expect.any(String) as string });
    expect(body.genders.map((g) => g.gender)).toContain('Female');
    expect((await choices(w.verifier, w.centreB)).statusCode).toBe(403);
    expect((await choices(w.vaccinatorB, w.centreB)).statusCode).toBe(403);
    const bad = await choices(w.verifierB, 'x');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const anonymous = await w.t.app.inject({
      method: 'GET',
      url: `/api/v1/vaccinations/centres/${w.centreB}/walk-in-choices`,
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('keeps the limit of 4 per mobile and refuses sessions without walk-ins', async () => {
    const mobile = '9845200009';
    for (let i = 1; i <= 4; i++) {
      const made = await w.walkIn(w.verifierB, sessionB, walkIn(AADHAAR[i] ?? '', mobile));
      expect(made.statusCode).toBe(201);
    }
    const fifth = await w.walkIn(w.verifierB, sessionB, walkIn(AADHAAR[5] ?? '', mobile));
    expect(fifth.statusCode).toBe(409);
    expect(code(fifth)).toBe('beneficiary-limit');
    const closed = await w.walkIn(w.verifier, sessionA, walkIn(AADHAAR[6] ?? '', '9845200010'));
    expect(closed.statusCode).toBe(409);
    expect(code(closed)).toBe('walk-in-not-allowed');
    const denied = (await auditRows(w.t.database.db, 'vaccination.walk-in.register')).filter(
      (r) => r.outcome === 'denied',
    );
    expect(denied.map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        'beneficiary-limit',
        'walk-in-not-allowed',
        'photo-id-already-registered',
      ]),
    );
  });
});

describe('identity checks', () => {
  it('limits wrong photo ID answers per beneficiary (429 after 5), recorded as denied', async () => {
    const { ids } = await w.citizen(1);
    const target = ids[0] ?? '';
    const last4 = await w.last4(target);
    const wrong = last4 === '9999' ? '9998' : '9999';
    for (let i = 0; i < 5; i++) {
      expect((await w.identity(w.verifierB, sessionB, target, wrong)).json()).toEqual({
        confirmed: false,
      });
    }
    const blocked = await w.identity(w.verifierB, sessionB, target, last4);
    expect(blocked.statusCode).toBe(429);
    expect(code(blocked)).toBe('identity-attempts-exhausted');
    const rows = (await auditRows(w.t.database.db, 'vaccination.identity.confirm')).filter(
      (r) => r.subject_id === target,
    );
    expect(rows.filter((r) => r.reason === 'photo-id-mismatch')).toHaveLength(5);
  });
});
