import { randomBytes, randomInt } from 'node:crypto';

import { loadConfig } from '../../server/config.js';
import { createKeyRing, parseMasterKeys } from '../../server/crypto/keys.js';
import { createCertificateModule } from '../../server/modules/certificates/module.js';
import type { CertificateKind } from '../../server/modules/certificates/tables.js';
import { manualClock } from '../../server/platform/clock.js';
import { createLimits } from '../../server/platform/limits.js';
import { bearer, type CitizenTestApp, citizenTestApp, login } from './citizen.js';
import { type Session, staffClient, type TestClock } from './staff.js';

export interface PartnerClient {
  client_id: string;
  client_secret: string;
  name: string;
}

export type PartnerTestApp = CitizenTestApp & {
  clock: TestClock;
  staff: ReturnType<typeof staffClient>;
  /** Issues a certificate as dose recording would (the certificates service, same key ring). */
  issueCertificate(ref: string, name: string, kind: CertificateKind): Promise<void>;
};

/** The real app with an SMS outbox, a manual clock and a way to give people certificates. */
export async function partnerTestApp(env: Record<string, string> = {}): Promise<PartnerTestApp> {
  const masterKey = `test:${randomBytes(32).toString('base64')}`;
  const clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  const t = await citizenTestApp({ TEEKA_MASTER_KEY: masterKey, ...env }, { clock });
  const limits = createLimits({});
  const certificates = createCertificateModule({
    db: t.database.db,
    limits,
    clock,
    config: loadConfig({ NODE_ENV: 'test' }),
    keys: createKeyRing(parseMasterKeys(masterKey, 'test')),
  });
  return {
    ...t,
    clock,
    staff: staffClient(t, clock),
    async issueCertificate(ref, name, kind) {
      const dose = kind === 'provisional' ? 1 : kind === 'final' ? 2 : 3;
      await t.database.db.transaction().execute((tx) =>
        certificates.service.issueCertificate(tx, {
          kind,
          beneficiaryReferenceId: ref,
          name,
          yearOfBirth: 1980,
          gender: 'Female',
          photoId: { type: 'Aadhaar Card', maskedNumber: 'XXXXXXXX0124' },
          vaccine: 'COVISHIELD',
          manufacturer: 'Serum Institute of India Pvt. Ltd.',
          batch: '4121Z025',
          dose,
          totalDoses: 2,
          vaccinatedAt: new Date('2026-02-01T10:30:00Z'),
          centre: { name: 'UPHC Jayanagar', district: 'BBMP', state: 'Karnataka' },
          vaccinator: 'Sunita Devi',
        }),
      );
    },
    async close() {
      await limits.close();
      await t.close();
    },
  };
}

export const clientBody = (overrides: Record<string, unknown> = {}) => ({
  // Digits in the name, as real app names have: the consent SMS puts the name before the OTP.
  name: `Health App ${randomInt(100_000, 1_000_000)}`,
  purpose: 'Shows vaccination status to employers with the person’s consent',
  contact: 'security@healthapp.example',
  scopes: [
    'availability:read',
    'certificate:verify',
    'vaccination-status:consented',
    'certificate:consented',
  ],
  allow_list: ['127.0.0.0/8', '2001:db8::/32'],
  per_minute: 1000,
  per_day: 100000,
  ...overrides,
});

export async function registerClient(
  t: PartnerTestApp,
  admin: Session,
  overrides: Record<string, unknown> = {},
): Promise<PartnerClient> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/admin/partners/clients',
    headers: admin.headers,
    payload: clientBody(overrides),
  });
  if (response.statusCode !== 201) throw new Error(`register client: ${response.body}`);
  return response.json<PartnerClient>();
}

export const basic = (client: Pick<PartnerClient, 'client_id' | 'client_secret'>) => ({
  authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
});

export async function partnerToken(
  t: PartnerTestApp,
  client: PartnerClient,
  scope?: string,
  from: { remoteAddress?: string; headers?: Record<string, string> } = {},
): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/partners/token',
    remoteAddress: from.remoteAddress ?? '127.0.0.1',
    headers: { ...basic(client), ...from.headers },
    payload: { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
  });
  if (response.statusCode !== 200) throw new Error(`token: ${response.body}`);
  return response.json<{ access_token: string }>().access_token;
}

let voterIds = 0;
/** A person registered by a citizen login under `mobile`; returns the reference id and token. */
export async function registeredPerson(
  t: PartnerTestApp,
  mobile: string,
  name = 'Asha Devi',
  photoId: { type: number; number: string } = {
    type: 12,
    number: `TKP${String(1_000_000 + voterIds++)}`,
  },
) {
  const token = await login(t.app, t.outbox, mobile);
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v2/registration/beneficiary/new',
    headers: bearer(token),
    payload: {
      name,
      birth_year: '1980',
      gender_id: 2,
      photo_id_type: photoId.type,
      photo_id_number: photoId.number,
      comorbidity_ind: 'N',
      consent_version: 'V1',
    },
  });
  if (response.statusCode !== 200) throw new Error(`register: ${response.body}`);
  const ref = response.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;
  return { ref, token };
}

/** A consent completed over HTTP, as a partner app would with the OTP the person reads out. */
export async function consent(
  t: PartnerTestApp,
  token: string,
  input: { mobile: string; ref: string; scope: string; uses?: number; minutes?: number },
) {
  const asked = await t.app.inject({
    method: 'POST',
    url: '/api/v1/partners/consents',
    headers: bearer(token),
    payload: {
      mobile: input.mobile,
      beneficiary_reference_id: input.ref,
      scope: input.scope,
      purpose: 'Employer vaccination check',
      ...(input.uses ? { uses: input.uses } : {}),
      ...(input.minutes ? { valid_for_minutes: input.minutes } : {}),
    },
  });
  if (asked.statusCode !== 202) throw new Error(`consent request: ${asked.body}`);
  const { request_id: requestId } = asked.json<{ request_id: string }>();
  const completed = await t.app.inject({
    method: 'POST',
    url: '/api/v1/partners/consents/complete',
    headers: bearer(token),
    payload: { request_id: requestId, otp: await t.outbox.lastOtp(input.mobile) },
  });
  if (completed.statusCode !== 201) throw new Error(`consent complete: ${completed.body}`);
  return completed.json<{ consent_id: string; uses_left: number; expires_at: string }>();
}
