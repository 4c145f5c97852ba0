import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { manualClock } from '../server/platform/clock.js';
import { AADHAAR, bearer, type CitizenTestApp, citizenTestApp, login } from './helpers/citizen.js';
import { rfcVerifyConsistency, rfcVerifyInclusion } from './helpers/rfc9162.js';
import { staffClient, type TestClock } from './helpers/staff.js';

let t: CitizenTestApp;
let clock: TestClock;
beforeAll(async () => {
  clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  t = await citizenTestApp({}, { clock });
});
afterAll(() => t.close());

const hex = (text: string) => Buffer.from(text, 'hex');

describe('a full citizen and staff flow, as the audit trail sees it', () => {
  it('records every step, proves it to an auditor, and holds no personal data', async () => {
    const mobile = '9876501234';
    const name = 'Kavitha Ramaswamy';
    const aadhaar = AADHAAR[6] ?? '';

    // Citizen: OTP login and a beneficiary.
    const token = await login(t.app, t.outbox, mobile);
    const registered = await t.app.inject({
      method: 'POST',
      url: '/api/v2/registration/beneficiary/new',
      headers: bearer(token),
      payload: {
        name,
        birth_year: '1975',
        gender_id: 2,
        photo_id_type: 1,
        photo_id_number: aadhaar,
        comorbidity_ind: 'N',
        consent_version: 'V1',
      },
    });
    expect(registered.statusCode).toBe(200);
    const ref = registered.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;

    // Staff: a district admin creates a centre and a session; an auditor reads the trail.
    const staff = staffClient(t, clock);
    const national = await staff.nationalAdmin();
    const district = await staff.member(national, 'bbmp.admin', [
      { role: 'district-admin', district_id: 294 },
    ]);
    const auditor = await staff.member(national, 'auditor.one', [{ role: 'auditor' }]);
    const centre = await t.app.inject({
      method: 'POST',
      url: '/api/v1/facilities/centres',
      headers: district.headers,
      payload: {
        name: 'UPHC Bommanahalli',
        address: '4 Hosur Road',
        district_id: 294,
        block_name: 'Bommanahalli',
        pincode: 560068,
        lat: 12.9,
        long: 77.62,
        opens_at: '09:00',
        closes_at: '17:00',
        fee_type: 'Free',
      },
    });
    expect(centre.statusCode).toBe(201);
    const centerId = centre.json<{ center_id: number }>().center_id;
    const session = await t.app.inject({
      method: 'POST',
      url: `/api/v1/facilities/centres/${centerId}/sessions`,
      headers: district.headers,
      payload: {
        date: '2026-03-05',
        vaccine: 'COVISHIELD',
        min_age_limit: 18,
        capacity_dose1: 50,
        capacity_dose2: 50,
        slots: ['09:00AM-01:00PM'],
      },
    });
    expect(session.statusCode).toBe(201);
    const refused = await t.app.inject({
      method: 'POST',
      url: `/api/v1/facilities/centres/${centerId}/sessions`,
      headers: auditor.headers,
      payload: {
        date: '2026-03-05',
        vaccine: 'COVISHIELD',
        min_age_limit: 18,
        capacity_dose1: 1,
        capacity_dose2: 0,
        slots: ['09:00AM-01:00PM'],
      },
    });
    expect(refused.statusCode).toBe(403);

    const log = await t.app.inject({ url: '/api/v1/me/access-log', headers: bearer(token) });
    expect(log.statusCode).toBe(200);

    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints',
      headers: national.headers,
    });
    expect(first.statusCode).toBe(200);
    const before = first.json<{ treeSize: number; rootHash: string }>();
    const created = await t.database.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'beneficiary.create')
      .where('subject_id', '=', ref)
      .executeTakeFirstOrThrow();
    const inclusion = await t.app.inject({
      url: `/api/v1/audit/records/${created.id}/inclusion-proof?tree_size=${before.treeSize}`,
      headers: auditor.headers,
    });
    expect(inclusion.statusCode).toBe(200);
    const proof = inclusion.json<{ leafIndex: number; leafHash: string; path: string[] }>();
    expect(
      rfcVerifyInclusion(
        proof.leafIndex,
        before.treeSize,
        hex(proof.leafHash),
        proof.path.map(hex),
        hex(before.rootHash),
      ),
    ).toBe(true);
    const second = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints',
      headers: national.headers,
    });
    const after = second.json<{ treeSize: number; rootHash: string }>();
    const consistency = await t.app.inject({
      url: `/api/v1/audit/consistency-proof?from=${before.treeSize}&to=${after.treeSize}`,
      headers: auditor.headers,
    });
    expect(
      rfcVerifyConsistency(
        before.treeSize,
        after.treeSize,
        hex(before.rootHash),
        hex(after.rootHash),
        consistency.json<{ proof: string[] }>().proof.map(hex),
      ),
    ).toBe(true);
    const latest = await t.app.inject({
      url: '/api/v1/audit/checkpoints/latest',
      headers: auditor.headers,
    });
    expect(latest.json()).toEqual(after);

    // The expected events, each with its outcome.
    const rows = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'actor_type', 'actor_id', 'subject_id'])
      .orderBy('id')
      .execute();
    const seen = new Set(rows.map((r) => `${r.action}:${r.outcome}`));
    for (const expected of [
      'citizen.otp.generate:allowed',
      'citizen.otp.confirm:allowed',
      'beneficiary.create:allowed',
      'staff.account.create:allowed',
      'staff.login:allowed',
      'facilities.centre.create:allowed',
      'facilities.session.create:allowed',
      'facilities.session.create:denied',
      'audit.checkpoint.create:allowed',
    ]) {
      expect(seen, expected).toContain(expected);
    }
    expect(
      rows.find(
        (r) => r.action === 'facilities.centre.create' && r.subject_id === String(centerId),
      ),
    ).toMatchObject({ actor_type: 'staff', actor_id: district.id });
    expect(
      rows.find((r) => r.action === 'facilities.session.create' && r.outcome === 'denied'),
    ).toMatchObject({ actor_type: 'staff', actor_id: auditor.id });

    // No personal data in any column of any audit record.
    const everything = await sql<Record<string, unknown>>`select * from audit_log`.execute(
      t.database.db,
    );
    expect(everything.rows.length).toBe(rows.length);
    const text = everything.rows.map((row) => JSON.stringify(Object.values(row))).join('\n');
    // The scan reads the pseudonymous references, so it would read a name or number too.
    expect(text).toContain(ref);
    for (const secret of [
      name,
      name.toLowerCase(),
      name.toUpperCase(),
      'Kavitha',
      'Ramaswamy',
      mobile,
      `91${mobile}`,
      aadhaar,
      aadhaar.slice(-8),
      token,
      national.password,
      district.password,
      district.secret,
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
