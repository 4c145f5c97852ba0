import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import {
  auditRows,
  type Session,
  staffClient,
  type TestClock,
  totp,
} from '../../../test/helpers/staff.js';
import { Forbidden } from '../../http/errors.js';
import { manualClock } from '../../platform/clock.js';
import { createFacilityStore } from '../facilities/store.js';
import { createAccess, type StaffPrincipal } from './access.js';
import { createStaffStore } from './store.js';

let t: TestApp;
let clock: TestClock;
let staff: ReturnType<typeof staffClient>;
let national: Session;
let karnataka: Session; // state admin of state 16
let bbmp: Session; // district admin of district 294 (state 16)
let urban: Session; // district admin of district 265 (state 16)
let foreign: Session; // vaccinator of district 265
let centreA: number; // in district 294
let centreB: number; // in district 265

async function centre(districtId: number) {
  return createFacilityStore().insertCentre(t.database.db, {
    name: `Centre in ${districtId}`,
    address: 'Main road',
    state_id: 16,
    district_id: districtId,
    block_name: 'Block',
    pincode: 560001,
    lat: 12.9,
    long: 77.6,
    opens_at: '09:00',
    closes_at: '17:00',
    fee_type: 'Free',
  });
}

const accountExists = async (username: string) =>
  (await t.database.db
    .selectFrom('staff_accounts')
    .select('staff_id')
    .where('username', '=', username)
    .executeTakeFirst()) !== undefined;

beforeAll(async () => {
  clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  t = await testApp({}, { clock });
  staff = staffClient(t, clock);
  centreA = await centre(294);
  centreB = await centre(265);
  national = await staff.nationalAdmin();
  karnataka = await staff.member(national, 'ka.admin', [{ role: 'state-admin', state_id: 16 }]);
  bbmp = await staff.member(karnataka, 'bbmp.admin', [
    { role: 'district-admin', district_id: 294 },
  ]);
  urban = await staff.member(karnataka, 'urban.admin', [
    { role: 'district-admin', district_id: 265 },
  ]);
  foreign = await staff.member(urban, 'urban.vax', [{ role: 'vaccinator', center_id: centreB }]);
});
afterAll(() => t.close());

describe('staff escalation attempts: 403, nothing changed, recorded', () => {
  it('a district admin cannot create a national admin, grant outside its district, or make a peer', async () => {
    const attempts = [
      { username: 'would.be.root', grants: [{ role: 'national-admin' }] },
      { username: 'next.door', grants: [{ role: 'vaccinator', district_id: 265 }] },
      { username: 'next.centre', grants: [{ role: 'vaccinator', center_id: centreB }] },
      { username: 'peer.admin', grants: [{ role: 'district-admin', district_id: 294 }] },
      {
        username: 'mixed.grants',
        grants: [
          { role: 'vaccinator', district_id: 294 },
          { role: 'auditor', state_id: 16 },
        ],
      },
    ];
    for (const body of attempts) {
      const response = await staff.post('/api/v1/staff/accounts', body, bbmp.headers);
      expect(response.statusCode, body.username).toBe(403);
      expect(await accountExists(body.username)).toBe(false);
    }
    const denials = (await auditRows(t.database.db, 'staff.account.create')).filter(
      (r) => r.outcome === 'denied' && r.actor_id === bbmp.id,
    );
    expect(denials).toHaveLength(attempts.length);
    expect(denials.every((d) => d.reason === 'escalation')).toBe(true);
  });

  it('a state admin cannot make another state admin; nobody edits their own roles', async () => {
    const peer = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'ka.admin2', grants: [{ role: 'state-admin', state_id: 16 }] },
      karnataka.headers,
    );
    expect(peer.statusCode).toBe(403);
    for (const me of [bbmp, national]) {
      const own = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/staff/accounts/${me.id}/grants`,
        payload: { grants: [{ role: 'national-admin' }] },
        headers: me.headers,
      });
      expect(own.statusCode).toBe(403);
    }
    const grants = await t.database.db
      .selectFrom('staff_grants')
      .select('role')
      .where('staff_id', '=', bbmp.id)
      .execute();
    expect(grants).toEqual([{ role: 'district-admin' }]);
    const selfEdits = (await auditRows(t.database.db, 'staff.grants.set')).filter(
      (r) => r.reason === 'self',
    );
    expect(selfEdits).toHaveLength(2);
  });

  it('a role must fit its place, and places must exist', async () => {
    const misfit = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'misfit', grants: [{ role: 'facility-admin', district_id: 294 }] },
      bbmp.headers,
    );
    expect(misfit.statusCode).toBe(400);
    expect(misfit.json()).toMatchObject({ code: 'role-place-mismatch' });
    const nowhere = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'nowhere', grants: [{ role: 'vaccinator', center_id: 999_999 }] },
      bbmp.headers,
    );
    expect(nowhere.statusCode).toBe(400);
    const unknownField = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'extra', grants: [{ role: 'vaccinator', district_id: 294 }], password: 'x' },
      bbmp.headers,
    );
    expect(unknownField.statusCode).toBe(400);
  });

  it('creating an admin needs a second factor from the last 5 minutes', async () => {
    clock.advance(5 * 60_000 + 1_000);
    const stale = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'fac.admin', grants: [{ role: 'facility-admin', center_id: centreA }] },
      bbmp.headers,
    );
    expect(stale.statusCode).toBe(403);
    expect(stale.json()).toMatchObject({ code: 'step-up-required' });
    expect(await accountExists('fac.admin')).toBe(false);
    // Non-admin roles need no step-up.
    const vaccinator = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'bbmp.vax', grants: [{ role: 'vaccinator', center_id: centreA }] },
      bbmp.headers,
    );
    expect(vaccinator.statusCode).toBe(201);
    await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: totp(bbmp.secret, clock) },
      bbmp.headers,
    );
    const fresh = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'fac.admin', grants: [{ role: 'facility-admin', center_id: centreA }] },
      bbmp.headers,
    );
    expect(fresh.statusCode).toBe(201);
  });
});

describe('every staff endpoint refuses an out-of-jurisdiction caller', () => {
  it('district 294 cannot read or change anything of district 265', async () => {
    clock.advance(30_000);
    await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: totp(bbmp.secret, clock) },
      bbmp.headers,
    );
    const target = foreign.id;
    const calls: { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: object }[] = [
      { method: 'GET', url: `/api/v1/staff/accounts/${target}` },
      {
        method: 'PUT',
        url: `/api/v1/staff/accounts/${target}/grants`,
        payload: { grants: [{ role: 'vaccinator', district_id: 294 }] },
      },
      { method: 'POST', url: `/api/v1/staff/accounts/${target}/credentials-reset` },
      { method: 'POST', url: `/api/v1/staff/accounts/${target}/disable` },
      { method: 'POST', url: `/api/v1/staff/accounts/${target}/unlock` },
      { method: 'POST', url: '/api/v1/staff/sessions/revoke', payload: { account_id: target } },
      { method: 'POST', url: '/api/v1/staff/sessions/revoke', payload: { district_id: 265 } },
      { method: 'POST', url: '/api/v1/staff/sessions/revoke', payload: { center_id: centreB } },
      { method: 'POST', url: '/api/v1/staff/sessions/revoke', payload: { all: true } },
      { method: 'POST', url: '/api/v1/staff/force-reset', payload: { account_id: target } },
      { method: 'POST', url: '/api/v1/staff/force-reset', payload: { district_id: 265 } },
      { method: 'POST', url: '/api/v1/staff/force-reset', payload: { state_id: 16 } },
      { method: 'POST', url: '/api/v1/staff/force-reset', payload: { all: true } },
    ];
    for (const call of calls) {
      const response = await t.app.inject({
        ...call,
        payload: call.payload ?? {},
        headers: bbmp.headers,
      });
      expect(
        response.statusCode,
        `${call.method} ${call.url} ${JSON.stringify(call.payload)}`,
      ).toBe(403);
    }
    // Nothing happened to the target.
    const account = await t.app.inject({
      url: `/api/v1/staff/accounts/${target}`,
      headers: urban.headers,
    });
    expect(account.json()).toMatchObject({ status: 'active', mustReset: false });
    expect(
      (await t.app.inject({ url: '/api/v1/staff/auth/me', headers: foreign.headers })).statusCode,
    ).toBe(200);
    const denied = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('actor_id', '=', bbmp.id)
      .where('outcome', '=', 'denied')
      .where('reason', '=', 'outside-jurisdiction')
      .execute();
    expect(denied.length).toBeGreaterThanOrEqual(calls.length);
  });

  it('a non-admin role cannot manage staff at all, and no token means 401', async () => {
    const create = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'by.vax', grants: [{ role: 'vaccinator', center_id: centreB }] },
      foreign.headers,
    );
    expect(create.statusCode).toBe(403);
    const anonymous = await staff.post('/api/v1/staff/force-reset', { all: true });
    expect(anonymous.statusCode).toBe(401);
  });

  it('inside its jurisdiction an admin revokes, disables and force-resets', async () => {
    const member = await staff.member(urban, 'urban.verifier', [
      { role: 'verifier', district_id: 265 },
    ]);
    const revoke = await staff.post(
      '/api/v1/staff/sessions/revoke',
      { account_id: member.id },
      urban.headers,
    );
    expect(revoke.json()).toEqual({ accounts: 1, sessionsRevoked: 1 });
    expect(
      (await t.app.inject({ url: '/api/v1/staff/auth/me', headers: member.headers })).statusCode,
    ).toBe(401);

    const again = await staff.login(member.username, member.password, member.secret);
    const disable = await staff.post(
      `/api/v1/staff/accounts/${member.id}/disable`,
      {},
      urban.headers,
    );
    expect(disable.statusCode).toBe(200);
    expect(
      (await t.app.inject({ url: '/api/v1/staff/auth/me', headers: again.headers })).statusCode,
    ).toBe(401);
    clock.advance(30_000);
    const login = await staff.post('/api/v1/staff/auth/login', {
      username: member.username,
      password: member.password,
      code: totp(member.secret, clock),
    });
    expect(login.statusCode).toBe(401);

    // The state admin resets its state: everyone below it, not itself or the national admin.
    await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: totp(karnataka.secret, clock) },
      karnataka.headers,
    );
    const reset = await staff.post(
      '/api/v1/staff/force-reset',
      { state_id: 16 },
      karnataka.headers,
    );
    expect(reset.statusCode).toBe(200);
    const flagged = await t.database.db
      .selectFrom('staff_accounts')
      .select('username')
      .where('must_reset', '=', true)
      .orderBy('username')
      .execute();
    // bbmp.vax and fac.admin never enrolled: their enrolment links still stand.
    expect(flagged.map((r) => r.username)).toEqual(['bbmp.admin', 'urban.admin', 'urban.vax']);
    expect(
      (await t.app.inject({ url: '/api/v1/staff/auth/me', headers: karnataka.headers })).statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ url: '/api/v1/staff/auth/me', headers: bbmp.headers })).statusCode,
    ).toBe(401);
  });
});

describe('the access guard', () => {
  it('authorises by centre, district and state, for a batch, and denies by default', async () => {
    const access = createAccess({ store: createStaffStore() });
    const db = t.database.db;
    const vaccinatorA: StaffPrincipal = {
      id: 'a',
      grants: [{ role: 'vaccinator', stateId: 16, districtId: 294, centerId: centreA }],
      secondFactorAt: clock.now(),
      via: 'bearer',
    };
    const ok = await access.require(db, vaccinatorA, {
      roles: ['vaccinator'],
      within: [{ centerId: centreA }],
    });
    expect(ok).toEqual([{ stateId: 16, districtId: 294, centerId: centreA }]);
    const refusals = [
      { roles: ['vaccinator'] as const, within: [{ centerId: centreA }, { centerId: centreB }] },
      { roles: ['vaccinator'] as const, within: { districtId: 294 } },
      { roles: ['verifier'] as const, within: { centerId: centreA } },
      { roles: ['vaccinator'] as const, within: { centerId: 987_654 } },
      { roles: ['vaccinator'] as const, within: [] },
    ];
    for (const request of refusals) {
      await expect(access.require(db, vaccinatorA, request)).rejects.toBeInstanceOf(Forbidden);
    }
    const districtAdmin: StaffPrincipal = {
      ...vaccinatorA,
      grants: [{ role: 'district-admin', stateId: 16, districtId: 294, centerId: null }],
    };
    await expect(
      access.require(db, districtAdmin, {
        roles: ['district-admin'],
        within: [{ centerId: centreA }, { districtId: 294 }],
      }),
    ).resolves.toHaveLength(2);
    await expect(
      access.require(db, districtAdmin, { roles: ['district-admin'], within: { stateId: 16 } }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      access.require(
        db,
        { ...vaccinatorA, grants: [] },
        { roles: ['vaccinator'], within: 'country' },
      ),
    ).rejects.toBeInstanceOf(Forbidden);
  });
});
