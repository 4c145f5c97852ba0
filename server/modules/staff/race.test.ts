import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import { engine } from '../../../test/helpers/db.js';
import {
  linkToken,
  type Session,
  staffClient,
  type TestClock,
  totp,
} from '../../../test/helpers/staff.js';
import { manualClock } from '../../platform/clock.js';

// PGlite runs one transaction at a time: races can only happen, and be tested, on PostgreSQL.
describe.runIf(engine === 'postgres')('staff races on PostgreSQL', () => {
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

  it('one TOTP code sent in 8 concurrent logins signs in once', async () => {
    clock.advance(30_000);
    const code = totp(admin.secret, clock);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        staff.post('/api/v1/staff/auth/login', {
          username: admin.username,
          password: admin.password,
          code,
          mode: 'bearer',
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([
      200, 401, 401, 401, 401, 401, 401, 401,
    ]);
  });

  it('one enrolment link completed 4 times at once is spent once', async () => {
    const created = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'racer', grants: [{ role: 'verifier', district_id: 294 }] },
      admin.headers,
    );
    const token = linkToken(created.json<{ enrolmentUrl: string }>().enrolmentUrl);
    const start = await staff.post('/api/v1/staff/enrolment/start', { token });
    const { totpSecret } = start.json<{ totpSecret: string }>();
    const answers = await Promise.all(
      ['first', 'second', 'third', 'fourth'].map((word) =>
        staff.post('/api/v1/staff/enrolment/complete', {
          token,
          password: `the ${word} passphrase of the racer`,
          code: totp(totpSecret, clock),
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400, 400, 400]);
  });
});
