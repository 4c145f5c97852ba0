import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { testApp } from '../../../test/helpers/app.js';
import {
  bearer,
  type CitizenTestApp,
  citizenTestApp,
  confirmOtp,
  generateOtp,
  login,
  mobileSequence,
  sha256,
  type SmsOutbox,
} from '../../../test/helpers/citizen.js';
import { manualClock } from '../../platform/clock.js';

const clock = manualClock(new Date('2026-03-01T10:00:00Z'));
let outbox: SmsOutbox;
let t: CitizenTestApp;
const nextMobile = mobileSequence('98765');

beforeAll(async () => {
  t = await citizenTestApp({}, { clock });
  outbox = t.outbox;
});
afterAll(() => t.close());

async function startTxn(mobile: string) {
  const response = await generateOtp(t.app, mobile);
  expect(response.statusCode).toBe(200);
  const { txnId } = response.json<{ txnId: string }>();
  return { txnId, otp: await outbox.lastOtp(mobile) };
}

const wrongOtp = (otp: string, k = 1) => String((Number(otp) + k) % 1_000_000).padStart(6, '0');

describe('OTP login (CoWIN v2)', () => {
  it('sends a 6-digit OTP and exchanges its SHA-256 for a token', async () => {
    const mobile = nextMobile();
    const response = await generateOtp(t.app, mobile);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ txnId: string }>();
    expect(Object.keys(body)).toEqual(['txnId']);
    expect(body.txnId).toMatch(/^[0-9a-f-]{36}$/);
    const [message] = (await outbox.messages()).filter((m) => m.to === mobile);
    expect(message?.text).toMatch(/\b\d{6}\b/);
    expect(message?.at).toBe(clock.now().toISOString());

    const confirmed = await confirmOtp(t.app, body.txnId, await outbox.lastOtp(mobile));
    expect(confirmed.statusCode).toBe(200);
    const { token } = confirmed.json<{ token: string }>();
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map(
        (part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>,
      );
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    expect(payload).toMatchObject({ aud: 'teeka:citizen', iss: 'teeka' });
    expect(JSON.stringify(payload)).not.toContain(mobile);
    expect(Number(payload?.exp) - Number(payload?.iat)).toBe(900);

    const list = await t.app.inject({
      url: '/api/v2/appointment/beneficiaries',
      headers: bearer(token),
    });
    expect(list.statusCode).toBe(200);
  });

  it('accepts the digest in upper case hex, as some clients send it', async () => {
    const { txnId, otp } = await startTxn(nextMobile());
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v2/auth/public/confirmOTP',
      payload: { otp: sha256(otp).toUpperCase(), txnId },
    });
    expect(response.statusCode).toBe(200);
  });

  it('answers the same for a registered and an unregistered number', async () => {
    const registered = nextMobile();
    await login(t.app, outbox, registered);
    const a = await generateOtp(t.app, registered);
    const b = await generateOtp(t.app, nextMobile());
    expect(a.statusCode).toBe(b.statusCode);
    expect(Object.keys(a.json<object>())).toEqual(Object.keys(b.json<object>()));
    expect(a.headers['content-type']).toBe(b.headers['content-type']);
  });

  it('kills the transaction after 3 wrong tries: the right OTP then fails too', async () => {
    const { txnId, otp } = await startTxn(nextMobile());
    const codes = [];
    for (let k = 1; k <= 3; k++) {
      const response = await confirmOtp(t.app, txnId, wrongOtp(otp, k));
      expect(response.statusCode).toBe(401);
      codes.push(response.json<{ code: string }>().code);
    }
    expect(codes).toEqual(['otp-wrong', 'otp-wrong', 'otp-attempts-exhausted']);
    const right = await confirmOtp(t.app, txnId, otp);
    expect(right.statusCode).toBe(401);
    expect(right.json()).toMatchObject({ code: 'otp-dead' });
  });

  it('a brute force of 3 guesses per transaction over many transactions never logs in', async () => {
    const mobile = nextMobile();
    for (let round = 0; round < 3; round++) {
      const { txnId, otp } = await startTxn(mobile);
      // The attacker does not see the OTP; guesses that are certainly wrong stand in for
      // the 3 tries they get (1 in 333,333 odds per transaction).
      for (let k = 1; k <= 3; k++) {
        expect((await confirmOtp(t.app, txnId, wrongOtp(otp, k * 7919))).statusCode).toBe(401);
      }
      expect((await confirmOtp(t.app, txnId, otp)).statusCode).toBe(401);
    }
  });

  it('an OTP is single use', async () => {
    const { txnId, otp } = await startTxn(nextMobile());
    expect((await confirmOtp(t.app, txnId, otp)).statusCode).toBe(200);
    const again = await confirmOtp(t.app, txnId, otp);
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ code: 'otp-used' });
  });

  it("an OTP answers only its own transaction, even the same number's other one", async () => {
    const mobile = nextMobile();
    const first = await startTxn(mobile);
    const second = await startTxn(mobile);
    const other = await startTxn(nextMobile());
    expect((await confirmOtp(t.app, second.txnId, first.otp)).statusCode).toBe(
      first.otp === second.otp ? 200 : 401,
    );
    expect((await confirmOtp(t.app, other.txnId, first.otp)).statusCode).toBe(
      first.otp === other.otp ? 200 : 401,
    );
    // The first transaction still works with its own OTP: the others' failures did not touch it.
    expect((await confirmOtp(t.app, first.txnId, first.otp)).statusCode).toBe(200);
  });

  it('an unknown transaction gets the same refusal as a wrong one, nothing more', async () => {
    const response = await confirmOtp(t.app, '00000000-0000-4000-8000-000000000000', '123456');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'otp-invalid' });
  });

  it('an OTP expires after 3 minutes', async () => {
    const { txnId, otp } = await startTxn(nextMobile());
    clock.advance(180_000);
    const late = await confirmOtp(t.app, txnId, otp);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ code: 'otp-expired' });

    const fresh = await startTxn(nextMobile());
    clock.advance(179_000);
    expect((await confirmOtp(t.app, fresh.txnId, fresh.otp)).statusCode).toBe(200);
  });

  it('rejects unknown fields and malformed values with 400', async () => {
    const extra = await t.app.inject({
      method: 'POST',
      url: '/api/v2/auth/public/generateOTP',
      payload: { mobile: nextMobile(), secret: 'x' },
    });
    expect(extra.statusCode).toBe(400);
    for (const mobile of ['12345', '5876543210', '+919876543210', '98765 43210', 9876543210]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v2/auth/public/generateOTP',
        payload: { mobile },
      });
      expect(response.statusCode).toBe(400);
    }
    const rawOtp = await t.app.inject({
      method: 'POST',
      url: '/api/v2/auth/public/confirmOTP',
      payload: { otp: '123456', txnId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(rawOtp.statusCode).toBe(400);
  });

  it('limits OTPs per mobile number: the 6th in 15 minutes is 429 with Retry-After', async () => {
    const mobile = nextMobile();
    for (let i = 0; i < 5; i++) expect((await generateOtp(t.app, mobile)).statusCode).toBe(200);
    const sixth = await generateOtp(t.app, mobile);
    expect(sixth.statusCode).toBe(429);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect(sixth.headers['content-type']).toContain('application/problem+json');
  });
});

describe('citizen tokens', () => {
  let token: string;
  beforeEach(async () => {
    token = await login(t.app, outbox, nextMobile());
  });

  const list = (headers: Record<string, string>) =>
    t.app.inject({ url: '/api/v2/appointment/beneficiaries', headers });

  it('refuses a missing, malformed, alg:none or tampered token with 401', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const json = (part: string) =>
      JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${encode({ ...json(header), alg: 'none' })}.${payload}.`;
    const hs256 = `${encode({ ...json(header), alg: 'HS256' })}.${payload}.${signature}`;
    const otherSubject = `${header}.${encode({ ...json(payload), sub: 'someone-else' })}.${signature}`;
    const longer = `${header}.${encode({ ...json(payload), exp: Number(json(payload).exp) + 3600 })}.${signature}`;
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;

    expect((await list({})).statusCode).toBe(401);
    for (const bad of ['Bearer', `Basic ${token}`, `Bearer ${token} x`, 'Bearer a.b']) {
      expect((await list({ authorization: bad })).statusCode).toBe(401);
    }
    for (const forged of [none, hs256, otherSubject, longer, flipped]) {
      const response = await list(bearer(forged));
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'token-invalid' });
    }
    expect((await list(bearer(token))).statusCode).toBe(200);
  });

  it('refuses a token after 15 minutes', async () => {
    clock.advance(899_000);
    expect((await list(bearer(token))).statusCode).toBe(200);
    clock.advance(1_000);
    expect((await list(bearer(token))).statusCode).toBe(401);
  });

  it('refuses a token signed under another master key', async () => {
    const other = await testApp({}, { clock });
    try {
      const outsider = await other.app.inject({
        url: '/api/v2/appointment/beneficiaries',
        headers: bearer(token),
      });
      expect(outsider.statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('logout revokes the token; another token of the same citizen stays valid', async () => {
    const mobile = nextMobile();
    const first = await login(t.app, outbox, mobile);
    const second = await login(t.app, outbox, mobile);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v2/auth/logout',
      headers: bearer(first),
    });
    expect(out.statusCode).toBe(204);
    expect((await list(bearer(first))).statusCode).toBe(401);
    expect((await list(bearer(second))).statusCode).toBe(200);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v2/auth/logout',
      headers: bearer(first),
    });
    expect(again.statusCode).toBe(401);
  });
});

describe('audit of citizen authentication', () => {
  it('records every OTP request and decision, under a mobile reference only', async () => {
    const mobile = nextMobile();
    const { txnId, otp } = await startTxn(mobile);
    await confirmOtp(t.app, txnId, wrongOtp(otp));
    await confirmOtp(t.app, txnId, otp);
    const rows = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'reason', 'subject_id', 'details'])
      .where('action', 'like', 'citizen.otp.%')
      .execute();
    const mine = rows.filter((r) => r.details.txn_id === txnId);
    expect(mine.map((r) => [r.action, r.outcome, r.reason])).toEqual([
      ['citizen.otp.generate', 'allowed', null],
      ['citizen.otp.confirm', 'denied', 'wrong-otp'],
      ['citizen.otp.confirm', 'allowed', null],
    ]);
    expect(new Set(mine.map((r) => r.subject_id)).size).toBe(1);
    expect(JSON.stringify(mine)).not.toContain(mobile);
  });
});

describe('OTP sending budgets and delivery', () => {
  it('limits sends per IP address and in total, each with 429 and Retry-After', async () => {
    const small = await testApp({
      TEEKA_SMS_OUTBOX: outbox.file,
      TEEKA_OTP_PER_IP: '2',
      TEEKA_SMS_BUDGET_PER_HOUR: '3',
    });
    try {
      const send = (ip: string) => generateOtp(small.app, nextMobile(), ip);
      expect((await send('10.0.0.1')).statusCode).toBe(200);
      expect((await send('10.0.0.1')).statusCode).toBe(200);
      const perIp = await send('10.0.0.1');
      expect(perIp.statusCode).toBe(429);
      expect(Number(perIp.headers['retry-after'])).toBeGreaterThan(0);
      expect((await send('10.0.0.2')).statusCode).toBe(200);
      const budget = await send('10.0.0.3');
      expect(budget.statusCode).toBe(429);
      expect(Number(budget.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await small.close();
    }
  });

  it('answers 503 when the SMS gateway does not take the message', async () => {
    const broken = await testApp({
      TEEKA_SMS_GATEWAY_URL: 'http://127.0.0.1:9/unreachable',
      TEEKA_SMS_GATEWAY_TOKEN: 'gateway-secret-1',
    });
    try {
      const response = await generateOtp(broken.app, nextMobile());
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'sms-unavailable' });
    } finally {
      await broken.close();
    }
  });
});

describe('API description', () => {
  it('lists the citizen endpoints in the OpenAPI document', async () => {
    const response = await t.app.inject('/docs/openapi.json');
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json<{ paths: object }>().paths)).toEqual(
      expect.arrayContaining([
        '/api/v2/auth/public/generateOTP',
        '/api/v2/auth/public/confirmOTP',
        '/api/v2/auth/logout',
        '/api/v2/registration/beneficiary/new',
        '/api/v2/registration/beneficiary/delete',
        '/api/v2/registration/beneficiary/idTypes',
        '/api/v2/registration/beneficiary/genders',
        '/api/v2/appointment/beneficiaries',
      ]),
    );
  });
});
