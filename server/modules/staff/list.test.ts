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

interface Listed {
  id: string;
  username: string;
  status: string;
  mustReset: boolean;
  grants: { role: string; district_id: number | null }[];
}

async function list(session: Session, query = '') {
  const response = await t.app.inject({
    url: `/api/v1/staff/accounts${query}`,
    headers: session.headers,
  });
  return { status: response.statusCode, body: response.json<{ accounts: Listed[] }>() };
}

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
  await staff.post(
    '/api/v1/staff/accounts',
    { username: 'bbmp.verifier', grants: [{ role: 'verifier', district_id: 294 }] },
    bbmp.headers,
  );
  await staff.post(
    '/api/v1/staff/accounts',
    { username: 'urban.verifier', grants: [{ role: 'verifier', district_id: 265 }] },
    urban.headers,
  );
});
afterAll(() => t.close());

describe('GET /api/v1/staff/accounts', () => {
  it('lists only the accounts inside the place that the caller may manage, with a recorded read', async () => {
    const district = await list(bbmp, '?district_id=294');
    expect(district.status).toBe(200);
    expect(district.body.accounts.map((a) => a.username)).toEqual(['bbmp.verifier']);
    expect(district.body.accounts[0]).toMatchObject({
      status: 'pending',
      mustReset: false,
      grants: [{ role: 'verifier', district_id: 294 }],
    });

    const state = await list(karnataka, '?state_id=16');
    expect(state.body.accounts.map((a) => a.username)).toEqual([
      'bbmp.admin',
      'bbmp.verifier',
      'urban.admin',
      'urban.verifier',
    ]);
    const country = await list(national);
    expect(country.body.accounts.map((a) => a.username)).toEqual([
      'bbmp.admin',
      'bbmp.verifier',
      'ka.admin',
      'urban.admin',
      'urban.verifier',
    ]);

    const reads = await auditRows(t.database.db, 'staff.account.list');
    expect(reads.filter((r) => r.outcome === 'allowed').map((r) => r.actor_id)).toEqual([
      bbmp.id,
      karnataka.id,
      national.id,
    ]);
  });

  it('keeps disabled accounts in the list, marked', async () => {
    const before = await list(urban, '?district_id=265');
    const verifier = before.body.accounts.find((a) => a.username === 'urban.verifier');
    if (!verifier) throw new Error('urban.verifier not listed');
    const disable = await staff.post(
      `/api/v1/staff/accounts/${verifier.id}/disable`,
      undefined,
      urban.headers,
    );
    expect(disable.statusCode).toBe(200);
    const after = await list(urban, '?district_id=265');
    expect(after.body.accounts).toMatchObject([{ username: 'urban.verifier', status: 'disabled' }]);
  });

  it('refuses a place outside the caller, or the whole country to a state admin: 403, recorded', async () => {
    const before = (await auditRows(t.database.db, 'staff.account.list')).length;
    expect((await list(bbmp, '?district_id=265')).status).toBe(403);
    expect((await list(bbmp, '?state_id=16')).status).toBe(403);
    expect((await list(karnataka)).status).toBe(403);
    expect((await list(bbmp, '?district_id=999999')).status).toBe(403);
    const denied = (await auditRows(t.database.db, 'staff.account.list')).slice(before);
    expect(denied.map((r) => r.outcome)).toEqual(['denied', 'denied', 'denied', 'denied']);
    const anonymous = await t.app.inject({ url: '/api/v1/staff/accounts?district_id=294' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('answers bad queries with a 400 problem', async () => {
    for (const query of [
      '?district_id=abc',
      '?district_id=294&state_id=16',
      '?role=x',
      '?state_id=0',
    ]) {
      const response = await t.app.inject({
        url: `/api/v1/staff/accounts${query}`,
        headers: national.headers,
      });
      expect(response.statusCode, query).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
  });
});
