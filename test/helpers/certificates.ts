import { loadConfig } from '../../server/config.js';
import { createKeyRing, parseMasterKeys } from '../../server/crypto/keys.js';
import { createCertificateModule } from '../../server/modules/certificates/module.js';
import type { CertificateInput } from '../../server/modules/certificates/schemas.js';
import { type Clock, systemClock } from '../../server/platform/clock.js';
import { createLimits } from '../../server/platform/limits.js';
import { bearer, type CitizenTestApp, login } from './citizen.js';

/**
 * A second certificate module on the test app's database, as another node (the one that
 * records doses) would be: it issues with the app's master key, the app serves and verifies.
 */
export function certificateNode(
  t: CitizenTestApp,
  masterKey: string,
  { clock = systemClock }: { clock?: Clock } = {},
) {
  return createCertificateModule({
    db: t.database.db,
    limits: createLimits({ redisUrl: undefined, namespace: 'certificate-node' }),
    clock,
    config: loadConfig({ NODE_ENV: 'test', TEEKA_MASTER_KEY: masterKey }),
    keys: createKeyRing(parseMasterKeys(masterKey, 'test')),
  });
}

let voterIds = 0;

/** A citizen logged in over HTTP with one beneficiary registered over HTTP: the CoWIN path. */
export async function citizenWithBeneficiary(
  t: CitizenTestApp,
  mobile: string,
  name = 'Meera Iyer',
) {
  const token = await login(t.app, t.outbox, mobile);
  const registered = await t.app.inject({
    method: 'POST',
    url: '/api/v2/registration/beneficiary/new',
    headers: bearer(token),
    payload: {
      name,
      birth_year: '1990',
      gender_id: 2,
      photo_id_type: 12,
      photo_id_number: `TKC${String(2_000_000 + voterIds++)}`,
      comorbidity_ind: 'N',
      consent_version: 'V1',
    },
  });
  if (registered.statusCode !== 200) {
    throw new Error(`beneficiary/new answered ${registered.statusCode}: ${registered.body}`);
  }
  const ref = registered.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;
  return { token, ref };
}

/** The facts of a dose as dose recording passes them (COVISHIELD dose 2 of 2 by default). */
export const doseFacts = (
  beneficiaryReferenceId: string,
  overrides: Partial<CertificateInput> = {},
): CertificateInput => ({
  kind: 'final',
  beneficiaryReferenceId,
  name: 'Meera Iyer',
  yearOfBirth: 1990,
  gender: 'Female',
  photoId: { type: 'Voter ID', maskedNumber: 'XXXXXX1234' },
  vaccine: 'COVISHIELD',
  manufacturer: 'Serum Institute of India Pvt. Ltd.',
  batch: '4121Z025',
  dose: 2,
  totalDoses: 2,
  vaccinatedAt: new Date('2021-09-17T10:30:00Z'),
  centre: { name: 'UPHC Jayanagar', district: 'BBMP', state: 'Karnataka' },
  vaccinator: 'Sunita Devi',
  ...overrides,
});
