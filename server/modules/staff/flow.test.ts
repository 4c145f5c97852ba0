import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import {
  auditRows,
  linkToken,
  staffClient,
  type TestClock,
  totp,
} from '../../../test/helpers/staff.js';
import { manualClock } from '../../platform/clock.js';

let t: TestApp;
let clock: TestClock;
let staff: ReturnType<typeof staffClient>;
beforeAll(async () => {
  clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  t = await testApp({}, { clock });
  staff = staffClient(t, clock);
});
afterAll(() => t.close());

describe('staff: enrol -> login with TOTP -> step-up -> force-reset-all -> re-enrol', () => {
  it('runs the whole path, and old sessions stop at once', async () => {
    const admin = await staff.nationalAdmin('root.admin');
    const vaccinator = await staff.member(admin, 'vax.one', [
      { role: 'vaccinator', district_id: 294 },
    ]);
    const me = await t.app.inject({ url: '/api/v1/staff/auth/me', headers: vaccinator.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      grants: [{ role: 'vaccinator', state_id: 16, district_id: 294, center_id: null }],
    });

    // Five minutes after login the second factor is stale: a force reset needs a step-up.
    clock.advance(6 * 60_000);
    const stale = await staff.post('/api/v1/staff/force-reset', { all: true }, admin.headers);
    expect(stale.statusCode).toBe(403);
    expect(stale.json()).toMatchObject({ code: 'step-up-required' });
    const stepUp = await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: totp(admin.secret, clock) },
      admin.headers,
    );
    expect(stepUp.statusCode).toBe(200);

    const reset = await staff.post('/api/v1/staff/force-reset', { all: true }, admin.headers);
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toEqual({ accounts: 2, sessionsRevoked: 2 });

    for (const session of [admin, vaccinator]) {
      const rejected = await t.app.inject({
        url: '/api/v1/staff/auth/me',
        headers: session.headers,
      });
      expect(rejected.statusCode).toBe(401);
    }

    // The old password and code still prove who it is, but yield only a reset link.
    clock.advance(30_000);
    const again = await staff.post('/api/v1/staff/auth/login', {
      username: vaccinator.username,
      password: vaccinator.password,
      code: totp(vaccinator.secret, clock),
      mode: 'bearer',
    });
    expect(again.statusCode).toBe(200);
    const { status, enrolmentToken } = again.json<{ status: string; enrolmentToken: string }>();
    expect(status).toBe('reset-required');

    // The same password again is refused; a new one with a new TOTP secret is accepted.
    const start = await staff.post('/api/v1/staff/enrolment/start', { token: enrolmentToken });
    const { totpSecret } = start.json<{ totpSecret: string }>();
    expect(totpSecret).not.toBe(vaccinator.secret);
    const same = await staff.post('/api/v1/staff/enrolment/complete', {
      token: enrolmentToken,
      password: vaccinator.password,
      code: totp(totpSecret, clock),
    });
    expect(same.statusCode).toBe(400);
    expect(same.json()).toMatchObject({ code: 'password-unchanged' });
    const secret = await staff.enrol(enrolmentToken, 'a brand new passphrase for the clinic');

    // The old secret is dead; the new credentials work.
    clock.advance(30_000);
    const oldSecret = await staff.post('/api/v1/staff/auth/login', {
      username: vaccinator.username,
      password: 'a brand new passphrase for the clinic',
      code: totp(vaccinator.secret, clock),
    });
    expect(oldSecret.statusCode).toBe(401);
    const fresh = await staff.login(
      vaccinator.username,
      'a brand new passphrase for the clinic',
      secret,
    );
    expect(fresh.id).toBe(vaccinator.id);

    const recorded = await auditRows(t.database.db, 'staff.force-reset');
    expect(recorded).toEqual([
      expect.objectContaining({
        actor_id: admin.id,
        outcome: 'denied',
        reason: 'step-up-required',
      }),
      expect.objectContaining({
        actor_id: admin.id,
        outcome: 'allowed',
        details: { scope: '{"all":true}', accounts: 2, sessions: 2 },
      }),
    ]);
    const resetLogins = (await auditRows(t.database.db, 'staff.login')).filter(
      (r) => r.reason === 'reset-required',
    );
    expect(resetLogins).toHaveLength(1);
    expect(await auditRows(t.database.db, 'staff.step-up')).toHaveLength(1);
  });

  it('stores only hashes of tokens and an encrypted TOTP secret', async () => {
    const admin = await staff.nationalAdmin('second.root').catch(() => null);
    expect(admin).toBeNull(); // a national admin exists: no second bootstrap
    const rows = await t.database.db
      .selectFrom('staff_accounts')
      .select(['password_hash', 'totp_secret'])
      .where('status', '=', 'active')
      .execute();
    for (const row of rows) {
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row.totp_secret).toMatch(/^v1\./);
    }
    const token = linkToken('http://x/staff/enrol#abc');
    expect(token).toBe('abc');
  });
});
