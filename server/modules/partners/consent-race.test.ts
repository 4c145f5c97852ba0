import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer } from '../../../test/helpers/citizen.js';
import { engine } from '../../../test/helpers/db.js';
import {
  consent,
  type PartnerClient,
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
  registeredPerson,
} from '../../../test/helpers/partners.js';

// PGlite runs one transaction at a time: races can only happen, and be tested, on PostgreSQL.
describe.runIf(engine === 'postgres')('consent races on PostgreSQL', () => {
  let t: PartnerTestApp;
  let client: PartnerClient;
  let person: { mobile: string; ref: string };
  beforeAll(async () => {
    t = await partnerTestApp({ TEEKA_OTP_PER_MOBILE: '100' });
    const admin = await t.staff.nationalAdmin();
    client = await registerClient(t, admin);
    const mobile = '9123400001';
    person = { mobile, ref: (await registeredPerson(t, mobile)).ref };
    await t.issueCertificate(person.ref, 'Asha Devi', 'final');
  });
  afterAll(() => t.close());

  const read = (token: string, consentId: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/partners/vaccination-status',
      headers: bearer(token),
      payload: { consent_id: consentId, beneficiary_reference_id: person.ref },
    });

  it('a 3-use consent read 12 times at once answers exactly 3 times', async () => {
    const token = await partnerToken(t, client);
    const given = await consent(t, token, {
      ...person,
      scope: 'vaccination-status:consented',
      uses: 3,
    });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => read(token, given.consent_id)),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(3);
    expect(codes.filter((c) => c === 403)).toHaveLength(9);
    const row = await t.database.db
      .selectFrom('partner_consents')
      .select('uses_left')
      .where('consent_id', '=', given.consent_id)
      .executeTakeFirstOrThrow();
    expect(row.uses_left).toBe(0);
    const allowed = await t.database.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'partner.read.vaccination-status')
      .where('outcome', '=', 'allowed')
      .execute();
    expect(allowed).toHaveLength(3);
  });

  it('a revocation racing with reads: every answer is 200 or 403, and every read after it is refused', async () => {
    const token = await partnerToken(t, client);
    const given = await consent(t, token, {
      ...person,
      scope: 'vaccination-status:consented',
      uses: 10,
    });
    const citizen = await import('../../../test/helpers/citizen.js').then((m) =>
      m.login(t.app, t.outbox, person.mobile),
    );
    const revoked = t.app.inject({
      method: 'POST',
      url: `/api/v1/me/consents/${given.consent_id}/revoke`,
      headers: bearer(citizen),
    });
    const racing = await Promise.all(
      Array.from({ length: 6 }, () => read(token, given.consent_id)),
    );
    expect((await revoked).statusCode).toBe(204);
    for (const answer of racing) expect([200, 403]).toContain(answer.statusCode);
    const after = await read(token, given.consent_id);
    expect(after.statusCode).toBe(403);
    expect(after.json()).toMatchObject({ code: 'consent-revoked' });
  });

  it('one OTP completed 6 times at once gives one consent', async () => {
    const token = await partnerToken(t, client);
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/partners/consents',
      headers: bearer(token),
      payload: {
        mobile: person.mobile,
        beneficiary_reference_id: person.ref,
        scope: 'vaccination-status:consented',
        purpose: 'Employer vaccination check',
      },
    });
    const { request_id: requestId } = asked.json<{ request_id: string }>();
    const otp = await t.outbox.lastOtp(person.mobile);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/partners/consents/complete',
          headers: bearer(token),
          payload: { request_id: requestId, otp },
        }),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 403)).toHaveLength(5);
  });
});
