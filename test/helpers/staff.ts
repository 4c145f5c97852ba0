import { randomBytes } from 'node:crypto';

import { authenticator } from 'otplib';

import { loadConfig } from '../../server/config.js';
import { createKeyRing } from '../../server/crypto/keys.js';
import type { Db } from '../../server/db/index.js';
import { createStaffModule } from '../../server/modules/staff/module.js';
import type { Clock } from '../../server/platform/clock.js';
import { manualClock } from '../../server/platform/clock.js';
import { createLimits } from '../../server/platform/limits.js';
import type { TestApp } from './app.js';

export type TestClock = ReturnType<typeof manualClock>;

/** A TOTP code for `secret` at the clock's time, as an authenticator app would show it. */
export function totp(secret: string, clock: Clock): string {
  return authenticator.clone({ epoch: clock.now().getTime() }).generate(secret);
}

/** The one-time token inside an enrolment link (it rides in the fragment). */
export function linkToken(enrolmentUrl: string): string {
  return new URL(enrolmentUrl).hash.slice(1);
}

/** The first national admin, made as `teeka staff create-admin` makes it. */
export async function bootstrapAdmin(db: Db, clock: Clock, username: string) {
  const limits = createLimits({});
  const staff = createStaffModule({
    db,
    limits,
    clock,
    config: loadConfig({ NODE_ENV: 'test' }),
    keys: createKeyRing(new Map([['unused', randomBytes(32)]])),
  });
  const created = await staff.admin.bootstrapNationalAdmin(username);
  await limits.close();
  return created;
}

export interface Session {
  headers: Record<string, string>;
  username: string;
  password: string;
  secret: string;
  id: string;
}

export function staffClient(t: TestApp, clock: TestClock) {
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers });

  const client = {
    post,
    /** Opens the link and completes it with `password` and a code from the new secret. */
    async enrol(token: string, password: string) {
      const start = await post('/api/v1/staff/enrolment/start', { token });
      if (start.statusCode !== 200) throw new Error(`enrolment start: ${start.body}`);
      const { totpSecret } = start.json<{ totpSecret: string }>();
      const done = await post('/api/v1/staff/enrolment/complete', {
        token,
        password,
        code: totp(totpSecret, clock),
      });
      if (done.statusCode !== 200) throw new Error(`enrolment complete: ${done.body}`);
      return totpSecret;
    },
    /** Logs in at the next TOTP step (a code is good once), returning headers that authenticate. */
    async login(
      username: string,
      password: string,
      secret: string,
      mode: 'cookie' | 'bearer' = 'bearer',
    ): Promise<Session> {
      clock.advance(30_000);
      const response = await post('/api/v1/staff/auth/login', {
        username,
        password,
        code: totp(secret, clock),
        mode,
      });
      if (response.statusCode !== 200) throw new Error(`login: ${response.body}`);
      const body = response.json<{ token?: string; csrfToken?: string }>();
      const headers: Record<string, string> =
        mode === 'bearer'
          ? { authorization: `Bearer ${body.token ?? ''}` }
          : {
              cookie: (response.headers['set-cookie'] as string).split(';')[0] ?? '',
              'x-csrf-token': body.csrfToken ?? '',
            };
      const me = await t.app.inject({ url: '/api/v1/staff/auth/me', headers });
      return { headers, username, password, secret, id: me.json<{ id: string }>().id };
    },
    /** The first national admin, enrolled and signed in. */
    async nationalAdmin(username = 'nat.admin') {
      const created = await bootstrapAdmin(t.database.db, clock, username);
      const password = 'correct horse battery staple';
      const secret = await client.enrol(linkToken(created.enrolmentUrl), password);
      return client.login(username, password, secret);
    },
    /** A staff member created by `by` with `grants`, enrolled and signed in. */
    async member(by: Session, username: string, grants: Record<string, unknown>[]) {
      const created = await post('/api/v1/staff/accounts', { username, grants }, by.headers);
      if (created.statusCode !== 201) throw new Error(`create: ${created.body}`);
      const password = `${username} walks to the clinic at dawn`;
      const secret = await client.enrol(
        linkToken(created.json<{ enrolmentUrl: string }>().enrolmentUrl),
        password,
      );
      return client.login(username, password, secret);
    },
  };
  return client;
}

/** Audit rows for an action, newest last. */
export function auditRows(db: Db, action: string) {
  return db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id', 'action', 'subject_id', 'outcome', 'reason', 'details'])
    .where('action', '=', action)
    .orderBy('id')
    .execute();
}
