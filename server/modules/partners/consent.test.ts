import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer, mobileSequence } from '../../../test/helpers/citizen.js';
import {
  consent,
  type PartnerClient,
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
  registeredPerson,
} from '../../../test/helpers/partners.js';
import { auditRows } from '../../../test/helpers/staff.js';
import { expectProblem } from '../../../test/security/problem.js';

let t: PartnerTestApp;
let client: PartnerClient;
let other: PartnerClient;
let token: string;
const nextMobile = mobileSequence('98761');
const people: Record<
  'full' | 'partial' | 'none',
  { mobile: string; ref: string; citizen: string }
> = {} as never;

beforeAll(async () => {
  // Each test here asks the same three people again and again.
  t = await partnerTestApp({ TEEKA_OTP_PER_MOBILE: '100' });
  const admin = await t.staff.nationalAdmin();
  client = await registerClient(t, admin, { name: 'Acme Health' });
  other = await registerClient(t, admin, { name: 'Other Health' });
  for (const [key, name, kind] of [
    ['full', 'Asha Devi', 'final'],
    ['partial', 'Ravi Kumar', 'provisional'],
    ['none', 'Meena Iyer', undefined],
  ] as const) {
    const mobile = nextMobile();
    const { ref, token: citizen } = await registeredPerson(t, mobile, name);
    if (kind) await t.issueCertificate(ref, name, kind);
    people[key] = { mobile, ref, citizen };
  }
});
afterAll(() => t.close());

/** A fresh token: the manual clock moves in some tests, and tokens live 5 minutes. */
const fresh = async (who = client, scope?: string) => {
  token = await partnerToken(t, who, scope);
  return token;
};
const post = (url: string, payload: unknown, as = token) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: bearer(as),
    payload: payload as Record<string, unknown>,
  });
const ask = (payload: Record<string, unknown>, as = token) =>
  post(
    '/api/v1/partners/consents',
    { purpose: 'Employer vaccination check', scope: 'vaccination-status:consented', ...payload },
    as,
  );
const complete = (requestId: string, otp: string, as = token) =>
  post('/api/v1/partners/consents/complete', { request_id: requestId, otp }, as);
const status = (consentId: string, ref: string, as = token) =>
  post(
    '/api/v1/partners/vaccination-status',
    { consent_id: consentId, beneficiary_reference_id: ref },
    as,
  );
const consentCount = async () =>
  (await t.database.db.selectFrom('partner_consents').select('consent_id').execute()).length;
const readRefusals = (reason: string) =>
  t.database.db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_org', 'subject_id'])
    .where('action', 'like', 'partner.read.%')
    .where('outcome', '=', 'denied')
    .where('reason', '=', reason)
    .execute();

describe('asking for consent', () => {
  it('answers a registered and an unregistered mobile the same way, and texts both', async () => {
    await fresh();
    const registered = await ask({
      mobile: people.full.mobile,
      beneficiary_reference_id: people.full.ref,
    });
    const stranger = nextMobile();
    const unregistered = await ask({
      mobile: stranger,
      beneficiary_reference_id: '12345678901234',
    });
    expect(registered.statusCode).toBe(202);
    expect(unregistered.statusCode).toBe(202);
    const shape = (body: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v]));
    expect(shape(registered.json())).toEqual(shape(unregistered.json()));
    expect(Object.keys(registered.json()).sort()).toEqual(['otp_expires_at', 'request_id']);
    const messages = await t.outbox.messages();
    const text = messages.filter((m) => m.to === people.full.mobile).at(-1)?.text ?? '';
    expect(text).toContain('Acme Health');
    expect(text).toContain('Employer vaccination check');
    expect(text).toContain(`ending ${people.full.ref.slice(-4)}`);
    expect(text).not.toContain('Asha');
    expect(messages.some((m) => m.to === stranger)).toBe(true);
  });

  it('completing for an unregistered mobile, or a beneficiary not under it, makes nothing', async () => {
    await fresh();
    const before = await consentCount();
    for (const [mobile, ref] of [
      [nextMobile(), '12345678901234'],
      [people.full.mobile, people.partial.ref],
    ] as const) {
      const asked = await ask({ mobile, beneficiary_reference_id: ref });
      const { request_id: requestId } = asked.json<{ request_id: string }>();
      const done = await complete(requestId, await t.outbox.lastOtp(mobile));
      expectProblem(done, 404, 'consent-beneficiary-not-found');
    }
    expect(await consentCount()).toBe(before);
  });

  it('refuses wrong OTPs (3 tries), a replayed OTP and an expired one, with nothing half-made', async () => {
    await fresh();
    const before = await consentCount();
    const { mobile, ref } = people.partial;
    const first = (await ask({ mobile, beneficiary_reference_id: ref })).json<{
      request_id: string;
    }>();
    const otp = await t.outbox.lastOtp(mobile);
    const wrong = otp === '000000' ? '111111' : '000000';
    expectProblem(await complete(first.request_id, wrong), 403, 'consent-otp-wrong');
    expectProblem(await complete(first.request_id, wrong), 403, 'consent-otp-wrong');
    expectProblem(await complete(first.request_id, wrong), 403, 'consent-otp-attempts-exhausted');
    expectProblem(await complete(first.request_id, otp), 403, 'consent-otp-dead');

    const second = (await ask({ mobile, beneficiary_reference_id: ref })).json<{
      request_id: string;
    }>();
    const otp2 = await t.outbox.lastOtp(mobile);
    expect((await complete(second.request_id, otp2)).statusCode).toBe(201);
    expectProblem(await complete(second.request_id, otp2), 403, 'consent-otp-used');
    // Another partner cannot complete (or learn of) this client's request.
    expectProblem(
      await complete(second.request_id, otp2, await partnerToken(t, other)),
      404,
      'consent-request-not-found',
    );

    const third = (await ask({ mobile, beneficiary_reference_id: ref })).json<{
      request_id: string;
    }>();
    const otp3 = await t.outbox.lastOtp(mobile);
    t.clock.advance(181_000);
    await fresh();
    expectProblem(await complete(third.request_id, otp3), 403, 'consent-otp-expired');
    expect(await consentCount()).toBe(before + 1);
    const denied = await auditRows(t.database.db, 'partner.consent.grant');
    expect(denied.filter((r) => r.outcome === 'denied').map((r) => r.reason)).toEqual(
      expect.arrayContaining(['wrong-otp', 'wrong-otp-last-try', 'dead', 'reused', 'expired']),
    );
  });

  it.each([
    ['an unknown scope', { scope: 'everything:read' }],
    ['a scope nobody consents to', { scope: 'reports:aggregate' }],
    ['a link in the purpose', { purpose: 'Verify at https://evil.example now' }],
    ['a malformed mobile', { mobile: '12345' }],
    ['a malformed reference id', { beneficiary_reference_id: '123' }],
    ['a consent over 24 hours', { valid_for_minutes: 1441 }],
    ['too many uses', { uses: 11 }],
    ['an unknown field', { aadhaar: '234567890124' }],
  ])('refuses %s with 400', async (_label, overrides) => {
    await fresh();
    const response = await ask({
      mobile: people.full.mobile,
      beneficiary_reference_id: people.full.ref,
      ...overrides,
    });
    expectProblem(response, 400);
  });

  it('refuses a consent scope the token does not hold (403)', async () => {
    const narrow = await partnerToken(t, client, 'vaccination-status:consented');
    const response = await ask(
      {
        mobile: people.full.mobile,
        beneficiary_reference_id: people.full.ref,
        scope: 'certificate:consented',
      },
      narrow,
    );
    expectProblem(response, 403, 'insufficient-scope');
    const none = await partnerToken(t, client, 'availability:read');
    expectProblem(
      await ask({ mobile: people.full.mobile, beneficiary_reference_id: people.full.ref }, none),
      403,
      'insufficient-scope',
    );
  });
});

describe('reading with a consent', () => {
  it('answers KYC-VS 2/1/0 with the certificate name, once per single-use consent', async () => {
    await fresh();
    for (const [key, expected] of [
      ['full', { status: 2, name: 'Asha Devi' }],
      ['partial', { status: 1, name: 'Ravi Kumar' }],
      ['none', { status: 0, name: null }],
    ] as const) {
      const person = people[key];
      const given = await consent(t, token, {
        mobile: person.mobile,
        ref: person.ref,
        scope: 'vaccination-status:consented',
      });
      const read = await status(given.consent_id, person.ref);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toEqual(expected);
      expectProblem(await status(given.consent_id, person.ref), 403, 'consent-used-up');
    }
  });

  it('shows each read to the person in their access log, with the partner’s name', async () => {
    const log = await t.app.inject({
      url: '/api/v1/me/access-log',
      headers: bearer(people.full.citizen),
    });
    const events = log.json<{ beneficiaries: { events: Record<string, unknown>[] }[] }>()
      .beneficiaries[0]?.events;
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'partner.read.vaccination-status',
          outcome: 'allowed',
          actor: { type: 'partner', role: null, organisation: 'Acme Health' },
        }),
        expect.objectContaining({ action: 'partner.consent.grant', outcome: 'allowed' }),
      ]),
    );
  });

  it('refuses without a consent, with another client’s consent, and for another person', async () => {
    await fresh();
    expectProblem(await status(randomUUID(), people.full.ref), 404, 'consent-not-found');
    const given = await consent(t, token, {
      mobile: people.full.mobile,
      ref: people.full.ref,
      scope: 'vaccination-status:consented',
      uses: 2,
    });
    expectProblem(
      await status(given.consent_id, people.full.ref, await partnerToken(t, other)),
      404,
      'consent-not-found',
    );
    expectProblem(await status(given.consent_id, people.partial.ref), 403, 'consent-other-person');
    expect((await readRefusals('no-consent')).length).toBe(2);
    const [another] = await readRefusals('consent-for-another-person');
    expect(another).toMatchObject({ actor_type: 'partner', actor_org: 'Acme Health' });
    // None of the refusals spent a use.
    expect((await status(given.consent_id, people.full.ref)).statusCode).toBe(200);
    expect((await status(given.consent_id, people.full.ref)).statusCode).toBe(200);
    expectProblem(await status(given.consent_id, people.full.ref), 403, 'consent-used-up');
  });

  it('refuses a consent used for another scope', async () => {
    await fresh();
    const given = await consent(t, token, {
      mobile: people.full.mobile,
      ref: people.full.ref,
      scope: 'vaccination-status:consented',
    });
    const response = await post('/api/v1/partners/certificate', {
      consent_id: given.consent_id,
      beneficiary_reference_id: people.full.ref,
    });
    expectProblem(response, 403, 'consent-wrong-scope');
  });

  it('gives the signed certificate with certificate:consented, masked photo ID and QR text', async () => {
    await fresh();
    const given = await consent(t, token, {
      mobile: people.full.mobile,
      ref: people.full.ref,
      scope: 'certificate:consented',
    });
    const response = await post('/api/v1/partners/certificate', {
      consent_id: given.consent_id,
      beneficiary_reference_id: people.full.ref,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{
      certificate: { credentialSubject: Record<string, unknown> };
      qr_text: string;
    }>();
    expect(body.certificate.credentialSubject).toMatchObject({
      name: 'Asha Devi',
      photoId: { maskedNumber: 'XXXXXXXX0124' },
    });
    expect(body.qr_text).toMatch(/^TK1:/);
    expect(response.body).not.toContain(people.full.mobile);
    const verify = await post(
      '/api/v1/partners/certificates/verify',
      { qr: body.qr_text },
      await partnerToken(t, client, 'certificate:verify'),
    );
    expect(verify.json()).toMatchObject({ status: 'valid' });
  });

  it('stops at once when the person revokes, and when the consent expires', async () => {
    await fresh();
    const given = await consent(t, token, {
      mobile: people.partial.mobile,
      ref: people.partial.ref,
      scope: 'vaccination-status:consented',
      uses: 5,
    });
    expect((await status(given.consent_id, people.partial.ref)).statusCode).toBe(200);
    const citizen = await import('../../../test/helpers/citizen.js').then((m) =>
      m.login(t.app, t.outbox, people.partial.mobile),
    );
    const list = await t.app.inject({ url: '/api/v1/me/consents', headers: bearer(citizen) });
    expect(
      list.json<{ consents: { consent_id: string; partner: string; status: string }[] }>().consents,
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          consent_id: given.consent_id,
          partner: 'Acme Health',
          status: 'active',
        }),
      ]),
    );
    // Another person cannot revoke it; the person can, once.
    const revoke = (as: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/me/consents/${given.consent_id}/revoke`,
        headers: bearer(as),
      });
    expectProblem(await revoke(people.full.citizen), 404, 'consent-not-found');
    expect((await revoke(citizen)).statusCode).toBe(204);
    expectProblem(await revoke(citizen), 404, 'consent-not-found');
    expectProblem(await status(given.consent_id, people.partial.ref), 403, 'consent-revoked');

    const short = await consent(t, token, {
      mobile: people.partial.mobile,
      ref: people.partial.ref,
      scope: 'vaccination-status:consented',
      uses: 5,
      minutes: 1,
    });
    t.clock.advance(60_000);
    await fresh();
    expectProblem(await status(short.consent_id, people.partial.ref), 403, 'consent-expired');
    expect((await readRefusals('consent-revoked')).length).toBe(1);
    expect((await readRefusals('consent-expired')).length).toBe(1);
  });
});
