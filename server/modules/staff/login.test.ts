import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import {
  auditRows,
  linkToken,
  type Session,
  staffClient,
  type TestClock,
  totp,
} from '../../../test/helpers/staff.js';
import { manualClock } from '../../platform/clock.js';
import { sessionCookie } from './authenticate.js';

let t: TestApp;
let clock: TestClock;
let staff: ReturnType<typeof staffClient>;
let admin: Session;
beforeAll(async () => {
  clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  t = await testApp({}, { clock });
  staff = staffClient(t, clock);
  admin = await staff.nationalAdmin();
});
afterAll(() => t.close());

const me = (headers: Record<string, string>) =>
  t.app.inject({ url: '/api/v1/staff/auth/me', headers });

async function newLink(username: string) {
  const created = await staff.post(
    '/api/v1/staff/accounts',
    { username, grants: [{ role: 'verifier', district_id: 294 }] },
    admin.headers,
  );
  expect(created.statusCode).toBe(201);
  return linkToken(created.json<{ enrolmentUrl: string }>().enrolmentUrl);
}

describe('staff login: password + TOTP', () => {
  it('gives one answer for an unknown name, a wrong password and a wrong code', async () => {
    const member = await staff.member(admin, 'same.error', [
      { role: 'verifier', district_id: 294 },
    ]);
    clock.advance(30_000);
    const attempts = [
      { username: 'nobody.here', password: member.password, code: totp(member.secret, clock) },
      { username: member.username, password: 'wrong password!', code: totp(member.secret, clock) },
      { username: member.username, password: member.password, code: '000000' },
    ];
    const answers = [];
    for (const attempt of attempts) {
      const response = await staff.post('/api/v1/staff/auth/login', attempt);
      expect(response.statusCode).toBe(401);
      const { code, title, detail } = response.json<Record<string, unknown>>();
      answers.push({ code, title, detail });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]?.code).toBe('login-failed');
    const failures = (await auditRows(t.database.db, 'staff.login')).filter(
      (r) => r.outcome === 'failed',
    );
    expect(failures.map((f) => f.reason)).toEqual(
      expect.arrayContaining(['unknown-account', 'wrong-password', 'wrong-code']),
    );
    expect(t.logs.join('')).not.toContain(member.password);
  });

  it('refuses a TOTP code that was already used, at login and at step-up', async () => {
    const member = await staff.member(admin, 'replay.me', [{ role: 'verifier', district_id: 294 }]);
    // staff.member logged in with the code of the current step: the same code again fails.
    const replay = await staff.post('/api/v1/staff/auth/login', {
      username: member.username,
      password: member.password,
      code: totp(member.secret, clock),
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'login-failed' });
    const stepUp = await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: totp(member.secret, clock) },
      member.headers,
    );
    expect(stepUp.statusCode).toBe(401);
    const reasons = (await auditRows(t.database.db, 'staff.login'))
      .filter((r) => r.subject_id === member.id)
      .map((r) => r.reason);
    expect(reasons).toContain('code-reused');
    // The code of the next step works.
    clock.advance(30_000);
    const next = await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: totp(member.secret, clock) },
      member.headers,
    );
    expect(next.statusCode).toBe(200);
  });

  it('throttles failures per account (unknown names alike) and an admin can unlock', async () => {
    const member = await staff.member(admin, 'locked.out', [
      { role: 'verifier', district_id: 294 },
    ]);
    for (const username of [member.username, 'ghost.account']) {
      for (let i = 0; i < 5; i++) {
        const wrong = await staff.post('/api/v1/staff/auth/login', {
          username,
          password: 'not the password',
          code: '123456',
        });
        expect(wrong.statusCode).toBe(401);
      }
      clock.advance(30_000);
      const locked = await staff.post('/api/v1/staff/auth/login', {
        username,
        password: member.password,
        code: totp(member.secret, clock),
      });
      expect(locked.statusCode).toBe(429);
      expect(locked.json()).toMatchObject({ code: 'login-throttled' });
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Unlocking lets password guessing resume: it takes a fresh second factor.
    clock.advance(6 * 60_000);
    const unlockAt = `/api/v1/staff/accounts/${member.id}/unlock`;
    const stale = await staff.post(unlockAt, {}, admin.headers);
    expect(stale.statusCode).toBe(403);
    expect(stale.json()).toMatchObject({ code: 'step-up-required' });
    clock.advance(30_000);
    const stepUp = await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: totp(admin.secret, clock) },
      admin.headers,
    );
    expect(stepUp.statusCode).toBe(200);
    const unlock = await staff.post(unlockAt, {}, admin.headers);
    expect(unlock.statusCode).toBe(200);
    await staff.login(member.username, member.password, member.secret);
    expect(
      (await auditRows(t.database.db, 'staff.login')).some((r) => r.reason === 'throttled'),
    ).toBe(true);
  });
});

describe('staff enrolment links and password rules', () => {
  it('refuses blocklisted, short and 129-character passwords, and accepts 128', async () => {
    const token = await newLink('pw.rules');
    const start = await staff.post('/api/v1/staff/enrolment/start', { token });
    const { totpSecret } = start.json<{ totpSecret: string }>();
    const tries: [string, string][] = [
      ['Password123', 'password-common'],
      ['cowin@123', 'password-common'],
      ['short', 'password-too-short'],
      ['x'.repeat(129), 'password-too-long'],
      ['é'.repeat(129), 'password-too-long'],
    ];
    for (const [password, code] of tries) {
      const response = await staff.post('/api/v1/staff/enrolment/complete', {
        token,
        password,
        code: totp(totpSecret, clock),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code });
    }
    const rejected = (await auditRows(t.database.db, 'staff.enrolment')).map((r) => r.reason);
    expect(rejected).toEqual(expect.arrayContaining(['password-common', 'password-too-long']));
    // No composition rules, and the whole 128 characters count (never truncated).
    const long = 'ab '.repeat(42) + 'cd';
    expect(long).toHaveLength(128);
    const done = await staff.post('/api/v1/staff/enrolment/complete', {
      token,
      password: long,
      code: totp(totpSecret, clock),
    });
    expect(done.statusCode).toBe(200);
    clock.advance(30_000);
    const truncated = await staff.post('/api/v1/staff/auth/login', {
      username: 'pw.rules',
      password: long.slice(0, 127),
      code: totp(totpSecret, clock),
    });
    expect(truncated.statusCode).toBe(401);
    await staff.login('pw.rules', long, totpSecret);
  });

  it('refuses a reused link, an expired link and a wrong code', async () => {
    const token = await newLink('link.once');
    await staff.enrol(token, 'a long and private passphrase');
    const reused = await staff.post('/api/v1/staff/enrolment/start', { token });
    expect(reused.statusCode).toBe(400);
    expect(reused.json()).toMatchObject({ code: 'enrolment-link-used' });

    const late = await newLink('link.late');
    clock.advance(24 * 3_600_000 + 1);
    const expired = await staff.post('/api/v1/staff/enrolment/start', { token: late });
    expect(expired.statusCode).toBe(400);
    expect(expired.json()).toMatchObject({ code: 'enrolment-link-expired' });

    admin = await staff.login(admin.username, admin.password, admin.secret);
    const wrongCode = await newLink('link.code');
    await staff.post('/api/v1/staff/enrolment/start', { token: wrongCode });
    const bad = await staff.post('/api/v1/staff/enrolment/complete', {
      token: wrongCode,
      password: 'a long and private passphrase',
      code: '000000',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'wrong-code' });
    const unknown = await staff.post('/api/v1/staff/enrolment/start', { token: 'x'.repeat(43) });
    expect(unknown.statusCode).toBe(400);
    const reasons = (await auditRows(t.database.db, 'staff.enrolment')).map((r) => r.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['enrolment-link-used', 'enrolment-link-expired', 'wrong-code']),
    );
  });
});

describe('staff sessions', () => {
  it('sets an HttpOnly SameSite=Strict cookie, a new id at each login, and wants CSRF tokens', async () => {
    const member = await staff.member(admin, 'cookie.user', [
      { role: 'verifier', district_id: 294 },
    ]);
    clock.advance(30_000);
    const login = await staff.post('/api/v1/staff/auth/login', {
      username: member.username,
      password: member.password,
      code: totp(member.secret, clock),
      mode: 'cookie',
    });
    const cookie = login.headers['set-cookie'] as string;
    expect(cookie).toMatch(
      /^teeka_staff=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    const { csrfToken } = login.json<{ csrfToken: string }>();
    const jar = cookie.split(';')[0] ?? '';
    expect((await me({ cookie: jar })).statusCode).toBe(200);

    // State-changing requests with the cookie need the CSRF token.
    const noCsrf = await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: '000000' },
      { cookie: jar },
    );
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json()).toMatchObject({ code: 'csrf-token-invalid' });
    const wrongCsrf = await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: '000000' },
      // Change the last character for certain (one token in 64 already ends in "A").
      {
        cookie: jar,
        'x-csrf-token': `${csrfToken.slice(0, -1)}${csrfToken.endsWith('A') ? 'B' : 'A'}`,
      },
    );
    expect(wrongCsrf.statusCode).toBe(403);

    // Logging in again from the same browser gives a new session id and ends the old one.
    clock.advance(30_000);
    const again = await staff.post(
      '/api/v1/staff/auth/login',
      {
        username: member.username,
        password: member.password,
        code: totp(member.secret, clock),
        mode: 'cookie',
      },
      { cookie: jar },
    );
    const jar2 = (again.headers['set-cookie'] as string).split(';')[0] ?? '';
    expect(jar2).not.toBe(jar);
    expect((await me({ cookie: jar })).statusCode).toBe(401);
    expect((await me({ cookie: jar2 })).statusCode).toBe(200);

    const out = await staff.post(
      '/api/v1/staff/auth/logout',
      {},
      { cookie: jar2, 'x-csrf-token': again.json<{ csrfToken: string }>().csrfToken },
    );
    expect(out.statusCode).toBe(204);
    expect((await me({ cookie: jar2 })).statusCode).toBe(401);
  });

  it('marks the cookie Secure and __Host- when browsers reach Teeka over TLS', () => {
    const token = 'A'.repeat(43);
    expect(sessionCookie(true, token, 43_200)).toBe(
      `__Host-teeka_staff=${token}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure`,
    );
  });

  it("writes a session's last use at most every 15 seconds, and counts idle time from that write", async () => {
    const member = await staff.member(admin, 'busy.user', [{ role: 'verifier', district_id: 294 }]);
    const lastSeen = async () => {
      const rows = await t.database.db
        .selectFrom('staff_sessions')
        .select('last_seen_at')
        .where('staff_id', '=', member.id)
        .where('revoked_at', 'is', null)
        .execute();
      expect(rows).toHaveLength(1);
      return rows[0]?.last_seen_at.getTime();
    };
    const first = await lastSeen();
    clock.advance(10_000);
    expect((await me(member.headers)).statusCode).toBe(200);
    expect(await lastSeen()).toBe(first);
    clock.advance(5_000);
    expect((await me(member.headers)).statusCode).toBe(200);
    expect(await lastSeen()).toBe(clock.now().getTime());
    // The use 10 s later is not written: idle time runs from the write, so the session ends
    // 30 minutes after it, 10 s before 30 minutes of true idleness.
    clock.advance(10_000);
    expect((await me(member.headers)).statusCode).toBe(200);
    clock.advance(30 * 60_000 - 10_000 + 1);
    expect((await me(member.headers)).statusCode).toBe(401);
    admin = await staff.login(admin.username, admin.password, admin.secret);
  });

  it('ends sessions after 30 idle minutes and 12 hours in all, bearer tokens too', async () => {
    const member = await staff.member(admin, 'idle.user', [{ role: 'verifier', district_id: 294 }]);
    clock.advance(30 * 60_000 + 1_000);
    expect((await me(member.headers)).statusCode).toBe(401);

    const busy = await staff.login(member.username, member.password, member.secret);
    for (let hour = 0; hour < 12 * 3; hour++) {
      clock.advance(20 * 60_000);
      expect((await me(busy.headers)).statusCode).toBe(200);
    }
    clock.advance(20 * 60_000);
    expect((await me(busy.headers)).statusCode).toBe(401);
    // A token presented as a cookie (or the reverse) is not accepted.
    const token = busy.headers.authorization?.slice('Bearer '.length) ?? '';
    expect((await me({ cookie: `teeka_staff=${token}` })).statusCode).toBe(401);
    expect((await me({ authorization: 'Bearer nope' })).statusCode).toBe(401);
    admin = await staff.login(admin.username, admin.password, admin.secret);
  });
});
