import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mobileSequence } from '../../test/helpers/citizen.js';
import { metricSample as sample } from '../../test/helpers/metrics.js';
import {
  consent,
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
  registeredPerson,
} from '../../test/helpers/partners.js';
import { type VaccinationWorld, vaccinationWorld } from '../../test/helpers/vaccinations.js';

describe('what the drive did, at /metrics', () => {
  let w: VaccinationWorld;
  beforeAll(async () => {
    w = await vaccinationWorld('98452');
  });
  afterAll(() => w.close());

  it('counts citizen OTPs, bookings, doses and certificates once each, not refusals or replays', async () => {
    const app = w.t.app;
    const otps = 'teeka_otps_sent_total{purpose="citizen-login"}';
    const before = await sample(app, otps);
    const { token, ids } = await w.citizen(1);
    expect(await sample(app, otps)).toBe(before + 1);

    const ref = ids[0] ?? '';
    const today = await w.session(w.centreA);
    expect(await sample(app, 'teeka_bookings_total')).toBe(0);
    expect((await w.book(token, today, [ref])).statusCode).toBe(200);
    expect((await w.book(token, today, [ref])).statusCode).toBe(409);
    expect(await sample(app, 'teeka_bookings_total')).toBe(1);

    await w.checkIn(today, ref);
    const key = randomUUID();
    expect((await w.dose(w.vaccinator, w.doseBody(today, ref, 1), key)).statusCode).toBe(200);
    // The same Idempotency-Key again is the first answer replayed: nothing new happened.
    expect((await w.dose(w.vaccinator, w.doseBody(today, ref, 1), key)).statusCode).toBe(200);
    expect(await sample(app, 'teeka_doses_recorded_total{dose="1"}')).toBe(1);
    expect(await sample(app, 'teeka_certificates_issued_total{reason="dose"}')).toBe(1);
    expect(await w.count('doses')).toBe(1);
    expect(await w.count('certificates')).toBe(1);
  });
});

describe('partner consent OTPs, at /metrics', () => {
  let t: PartnerTestApp;
  beforeAll(async () => {
    t = await partnerTestApp();
  });
  afterAll(() => t.close());

  it('counts each consent SMS apart from login OTPs, and not a refused request', async () => {
    const admin = await t.staff.nationalAdmin();
    const client = await registerClient(t, admin, { name: 'Metrics Health 4521' });
    const mobile = mobileSequence('98453')();
    const { ref } = await registeredPerson(t, mobile);
    const logins = await sample(t.app, 'teeka_otps_sent_total{purpose="citizen-login"}');
    const token = await partnerToken(t, client);
    const series = 'teeka_otps_sent_total{purpose="partner-consent"}';
    expect(await sample(t.app, series)).toBe(0);

    await consent(t, token, { mobile, ref, scope: 'vaccination-status:consented' });
    expect(await sample(t.app, series)).toBe(1);

    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/partners/consents',
      headers: { authorization: `Bearer ${token}` },
      payload: { mobile, beneficiary_reference_id: ref, scope: 'everything:read', purpose: 'x' },
    });
    expect(refused.statusCode).toBe(400);
    expect(await sample(t.app, series)).toBe(1);
    expect(await sample(t.app, 'teeka_otps_sent_total{purpose="citizen-login"}')).toBe(logins);
  });
});
