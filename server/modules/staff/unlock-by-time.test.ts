import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import { type Session, staffClient, type TestClock, totp } from '../../../test/helpers/staff.js';
import { manualClock } from '../../platform/clock.js';

/**
 * A locked account unlocks by itself when its window ends, so an attacker cannot lock staff
 * out for good. The throttle's counters keep their own time (rate-limiter-flexible reads
 * Date.now), so this test moves the process's clock together with Teeka's, on the in-memory
 * counters (Redis would keep real time).
 */
const START = new Date('2026-03-01T08:00:00Z');
let t: TestApp;
let clock: TestClock;
let staff: ReturnType<typeof staffClient>;
let admin: Session;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: START });
  clock = manualClock(START);
  t = await testApp({ REDIS_URL: '' }, { clock });
  staff = staffClient(t, clock);
  admin = await staff.nationalAdmin();
});
afterAll(async () => {
  vi.useRealTimers();
  await t.close();
});

const travel = (ms: number) => {
  clock.advance(ms);
  vi.setSystemTime(clock.now());
};

describe('staff login throttle', () => {
  it('locks after 5 failures and unlocks by itself when the minute is over, with no admin', async () => {
    const member = await staff.member(admin, 'time.unlock', [
      { role: 'verifier', district_id: 294 },
    ]);
    // Enrolment moved Teeka's clock on (fresh TOTP steps): the process clock follows it.
    travel(0);
    for (let i = 0; i < 5; i++) {
      const wrong = await staff.post('/api/v1/staff/auth/login', {
        username: member.username,
        password: 'not the password',
        code: '123456',
      });
      expect(wrong.statusCode).toBe(401);
    }
    travel(30_000);
    const locked = await staff.post('/api/v1/staff/auth/login', {
      username: member.username,
      password: member.password,
      code: totp(member.secret, clock),
    });
    expect(locked.statusCode).toBe(429);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    travel((retryAfter + 1) * 1000);
    await staff.login(member.username, member.password, member.secret);
  });
});
