import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { metricSample } from '../../../test/helpers/metrics.js';
import { auditRows } from '../../../test/helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';

let w: VaccinationWorld;
let token: string;
let ref: string;
let oldQr: string;
let oldCertificate: string;
beforeAll(async () => {
  w = await vaccinationWorld('98453');
  const session = await w.session(w.centreA);
  const citizen = await w.citizen(1);
  token = citizen.token;
  ref = citizen.ids[0] ?? '';
  await w.book(token, session, [ref]);
  await w.checkIn(session, ref);
  const dose = await w.dose(w.vaccinator, w.doseBody(session, ref));
  oldCertificate = dose.json<{ certificate_id: string }>().certificate_id;
  oldQr = (await w.certificates.getCertificateForBeneficiary(w.t.database.db, ref))?.qrText ?? '';
});
afterAll(() => w.close());

const ask = (as: string, body: object) =>
  w.t.app.inject({
    method: 'POST',
    url: '/api/v1/me/corrections',
    headers: w.bearer(as),
    payload: body as Record<string, unknown>,
  });
const decide = (who: { headers: Record<string, string> }, requestId: string, how: string) =>
  w.t.app.inject({
    method: 'POST',
    url: `/api/v1/vaccinations/corrections/${requestId}/${how}`,
    headers: who.headers,
    ...(how === 'reject' ? { payload: { reason: 'The document does not show that.' } } : {}),
  });
const pending = (who: { headers: Record<string, string> }, district: number) =>
  w.t.app.inject({
    url: `/api/v1/vaccinations/corrections?district_id=${district}`,
    headers: who.headers,
  });

describe('certificate corrections', () => {
  it('refuses a citizen asking for someone else’s beneficiary, and one not vaccinated', async () => {
    const other = await w.citizen(1);
    const before = await w.count('correction_requests');
    const foreign = await ask(other.token, {
      beneficiary_reference_id: ref,
      name: 'Someone Else',
      reason: 'Spelling of my name',
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json<{ code: string }>().code).toBe('beneficiary-not-found');
    const unvaccinated = await ask(other.token, {
      beneficiary_reference_id: other.ids[0],
      name: 'Someone Else',
      reason: 'Spelling of my name',
    });
    expect(unvaccinated.json<{ code: string }>().code).toBe('not-vaccinated');
    const nothing = await ask(token, {
      beneficiary_reference_id: ref,
      reason: 'Nothing to change',
    });
    expect(nothing.statusCode).toBe(400);
    expect(await w.count('correction_requests')).toBe(before);
  });

  it('request -> approve by the district admin: the new certificate verifies, the old one is revoked', async () => {
    const asked = await ask(token, {
      beneficiary_reference_id: ref,
      name: 'Tess Person',
      birth_year: '1981',
      reason: 'The name was misspelt at registration',
    });
    expect(asked.statusCode).toBe(201);
    const { request_id: requestId } = asked.json<{ request_id: string }>();
    expect(
      (
        await ask(token, {
          beneficiary_reference_id: ref,
          name: 'Tessa Person',
          reason: 'Again please',
        })
      ).json<{ code: string }>().code,
    ).toBe('correction-pending');
    // Stored encrypted: the raw row does not hold the new name or the reason.
    const raw = JSON.stringify(
      await w.t.database.db.selectFrom('correction_requests').selectAll().execute(),
    );
    expect(raw).not.toContain('Tess Person');
    expect(raw).not.toContain('misspelt');

    // Another district's admin neither sees nor decides it.
    expect((await pending(w.urban, 294)).statusCode).toBe(403);
    const theirs = await pending(w.urban, 265);
    expect(theirs.json<{ requests: unknown[] }>().requests).toEqual([]);
    expect((await decide(w.urban, requestId, 'approve')).statusCode).toBe(403);
    expect((await decide(w.urban, requestId, 'reject')).statusCode).toBe(403);

    const listed = await pending(w.bbmp, 294);
    expect(listed.json()).toMatchObject({
      requests: [
        {
          request_id: requestId,
          beneficiary_reference_id: ref,
          fields: ['name', 'birth_year'],
          current: { name: 'T*** P*****', birth_year: 1980 },
          requested: { name: 'T*** P*****', birth_year: 1981 },
        },
      ],
    });

    // Approval needs a fresh second factor.
    w.clock.advance(6 * 60_000);
    const admin = await w.relogin(w.bbmp);
    w.clock.advance(6 * 60_000);
    const noStepUp = await decide(admin, requestId, 'approve');
    expect(noStepUp.json<{ code: string }>().code).toBe('step-up-required');
    expect(await w.count('certificates')).toBe(1);
    await w.stepUp(admin);
    const approved = await decide(admin, requestId, 'approve');
    expect(approved.statusCode).toBe(200);
    const decision = approved.json<{
      new_certificate_id: string;
      revoked_certificate_id: string;
    }>();
    expect(decision.revoked_certificate_id).toBe(oldCertificate);

    const current = await w.certificates.getCertificateForBeneficiary(w.t.database.db, ref);
    expect(current?.certificateId).toBe(decision.new_certificate_id);
    expect(await w.verify(current?.qrText ?? '')).toMatchObject({
      status: 'valid',
      certificate: { name: 'Tess Person', dose: 1, vaccine: 'COVISHIELD' },
    });
    expect(current?.credential.credentialSubject.yearOfBirth).toBe('1981');
    expect(current?.credential.evidence[0]).toMatchObject({
      batch: '4121Z025',
      verifier: { name: 'vax.a' },
    });
    expect(await w.verify(oldQr)).toEqual({
      format: 'w3c-vc',
      status: 'revoked',
      reason: 'revoked-by-issuer',
    });
    expect((await decide(admin, requestId, 'approve')).json<{ code: string }>().code).toBe(
      'correction-decided',
    );
    const reissued = 'teeka_certificates_issued_total{reason="correction"}';
    expect(await metricSample(w.t.app, reissued)).toBe(1);

    // The citizen sees the outcome; the beneficiary record itself is corrected.
    const mine = await w.t.app.inject({
      url: '/api/v1/me/corrections',
      headers: w.bearer(await w.login('9845310000')),
    });
    expect(mine.json()).toMatchObject({
      requests: [
        {
          request_id: requestId,
          status: 'approved',
          new_certificate_id: decision.new_certificate_id,
        },
      ],
    });
    for (const action of [
      'vaccination.correction.request',
      'vaccination.correction.list',
      'vaccination.correction.approve',
      'certificate.revoke',
    ]) {
      expect(
        (await auditRows(w.t.database.db, action)).some((r) => r.subject_id === ref),
        action,
      ).toBe(true);
    }
    const denied = (await auditRows(w.t.database.db, 'vaccination.correction.approve')).filter(
      (r) => r.outcome === 'denied',
    );
    expect(denied.map((r) => r.reason)).toContain('outside-jurisdiction');
  });

  it('a rejection changes nothing but the request, and tells the citizen why', async () => {
    const asked = await ask(token, {
      beneficiary_reference_id: ref,
      gender_id: 1,
      reason: 'Gender recorded wrongly',
    });
    const { request_id: requestId } = asked.json<{ request_id: string }>();
    const certificates = await w.count('certificates');
    const admin = await w.relogin(w.bbmp);
    // The asked-for gender is named, as the current one is.
    expect((await pending(admin, 294)).json()).toMatchObject({
      requests: [
        { request_id: requestId, current: { gender: 'Female' }, requested: { gender: 'Male' } },
      ],
    });
    const rejected = await decide(admin, requestId, 'reject');
    expect(rejected.json()).toMatchObject({ status: 'rejected', new_certificate_id: null });
    expect(await w.count('certificates')).toBe(certificates);
    const mine = await w.t.app.inject({
      url: '/api/v1/me/corrections',
      headers: w.bearer(await w.login('9845310000')),
    });
    expect(
      mine.json<{ requests: { status: string; decision_reason: string | null }[] }>().requests[0],
    ).toMatchObject({
      status: 'rejected',
      decision_reason: 'The document does not show that.',
    });
  });
});
