import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

import type { Page } from 'playwright-core';
import { expect } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { createKeyRing, parseMasterKeys } from '../../server/crypto/keys.js';
import { createCertificateModule } from '../../server/modules/certificates/module.js';
import { qrModules } from '../../server/modules/certificates/qr.js';
import type { CertificateInput } from '../../server/modules/certificates/schemas.js';
import { systemClock } from '../../server/platform/clock.js';
import { createLimits } from '../../server/platform/limits.js';
import { accessibilityViolations } from './browser.js';
import { bearer, type CitizenTestApp, citizenTestApp, login } from './citizen.js';

/** Fails the test on any serious or critical axe-core violation in the page as it is now. */
export async function expectNoSeriousViolations(page: Page): Promise<void> {
  const serious = (await accessibilityViolations(page)).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  expect(serious).toEqual([]);
}

/**
 * The real app on a socket-ready test database with a master key the test knows, and the
 * certificates service of a second node on the same database, as dose recording would call
 * it: certificates it issues verify against the keys the app publishes.
 */
export async function certificateTestApp(): Promise<
  CitizenTestApp & { certificates: ReturnType<typeof createCertificateModule>['service'] }
> {
  const masterKey = `test:${randomBytes(32).toString('base64')}`;
  const t = await citizenTestApp({ TEEKA_MASTER_KEY: masterKey });
  const { service } = createCertificateModule({
    db: t.database.db,
    limits: createLimits({ redisUrl: undefined, namespace: 'web-certificates' }),
    clock: systemClock,
    config: loadConfig({ NODE_ENV: 'test', TEEKA_MASTER_KEY: masterKey }),
    keys: createKeyRing(parseMasterKeys(masterKey, 'test')),
  });
  return { ...t, certificates: service };
}

/** Registers one beneficiary over HTTP (real OTP login) and returns its reference id. */
export async function registeredBeneficiary(
  t: CitizenTestApp,
  { mobile, name, idNumber }: { mobile: string; name: string; idNumber: string },
): Promise<string> {
  const token = await login(t.app, t.outbox, mobile);
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v2/registration/beneficiary/new',
    headers: bearer(token),
    payload: {
      name,
      birth_year: '1990',
      gender_id: 2,
      photo_id_type: 12,
      photo_id_number: idNumber,
      comorbidity_ind: 'N',
      consent_version: 'V1',
    },
  });
  if (response.statusCode !== 200) throw new Error(`registration answered ${response.statusCode}`);
  return response.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;
}

/** The facts dose recording would pass for a first dose of two. */
export const firstDose = (beneficiaryReferenceId: string, name: string): CertificateInput => ({
  kind: 'provisional',
  beneficiaryReferenceId,
  name,
  yearOfBirth: 1990,
  gender: 'Female',
  photoId: { type: 'Voter ID', maskedNumber: 'XXXXXX1234' },
  vaccine: 'COVISHIELD',
  manufacturer: 'Serum Institute of India Pvt. Ltd.',
  batch: '4121Z025',
  dose: 1,
  totalDoses: 2,
  vaccinatedAt: new Date('2021-09-17T10:30:00Z'),
  centre: { name: 'UPHC Jayanagar', district: 'BBMP', state: 'Karnataka' },
  vaccinator: 'Sunita Devi',
});

/**
 * A one-frame YUV4MPEG2 video of the QR code for `text`, for Chromium's fake camera
 * (--use-file-for-fake-video-capture): 5 px a module, a white quiet zone around it.
 */
export async function qrVideoFile(text: string, file: string): Promise<void> {
  const qr = qrModules(text);
  const module = 5;
  const side = (qr.size + 12) * module + ((qr.size + 12) % 2) * module;
  const offset = 6 * module;
  const luma = Buffer.alloc(side * side, 235);
  for (let row = 0; row < qr.size; row++) {
    for (let col = 0; col < qr.size; col++) {
      if (!qr.isDark(row, col)) continue;
      for (let y = 0; y < module; y++) {
        const start = (offset + row * module + y) * side + offset + col * module;
        luma.fill(16, start, start + module);
      }
    }
  }
  const chroma = Buffer.alloc((side / 2) * (side / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${side} H${side} F10:1 Ip A1:1 C420jpeg\nFRAME\n`);
  await writeFile(file, Buffer.concat([header, luma, chroma]));
}
