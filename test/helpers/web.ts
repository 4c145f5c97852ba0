import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';

import jsQRModule from 'jsqr';
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
import { bearer, type CitizenTestApp, citizenTestApp, login, type SmsOutbox } from './citizen.js';
import { type Session, type TestClock, totp } from './staff.js';

// jsqr is CommonJS with an ESM-style declaration.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/**
 * Logs a citizen in through the portal's form with the OTP of the SMS this login sent (not an
 * earlier one) and returns the token the page keeps.
 */
export async function citizenLogIn(
  page: Page,
  url: string,
  outbox: SmsOutbox,
  mobile: string,
): Promise<string> {
  const sent = async () => (await outbox.messages()).filter((m) => m.to === mobile).length;
  const before = await sent();
  await page.goto(`${url}/citizen`);
  await page.getByLabel('Mobile number', { exact: true }).fill(mobile);
  await page.getByRole('button', { name: 'Get OTP' }).click();
  await page.getByLabel('OTP (6 digits)').waitFor();
  await expect.poll(sent).toBe(before + 1);
  await page.getByLabel('OTP (6 digits)').fill(await outbox.lastOtp(mobile));
  await page.getByRole('button', { name: 'Verify and log in' }).click();
  await page.getByRole('heading', { name: 'My account' }).waitFor();
  return citizenToken(page);
}

/** The citizen token the portal keeps in the page's session storage ('' when logged out). */
export const citizenToken = (page: Page): Promise<string> =>
  page.evaluate(
    () =>
      (
        globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }
      ).sessionStorage.getItem('teeka.citizen.token') ?? '',
  );

/**
 * Signs a staff member in through the staff page. A code is good once: each login uses the
 * next 30-second step of `clock`.
 */
export async function staffLogIn(
  page: Page,
  url: string,
  who: Session,
  clock: TestClock,
): Promise<void> {
  await page.goto(`${url}/staff`);
  clock.advance(30_000);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('Authenticator code (6 digits)').fill(totp(who.secret, clock));
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.getByRole('heading', { name: 'Staff', exact: true }).waitFor();
}

/**
 * Reads the QR code of a certificate PDF as a scanner would see it: the PDF draws its modules
 * as equal vector squares (`x y w h re` in its compressed content streams); they are drawn
 * onto a bitmap, 4 px a module with a quiet zone, and decoded with jsQR.
 */
export function qrOfPdf(pdf: Buffer): string | undefined {
  const text = pdf.toString('latin1');
  const squares: { x: number; y: number; side: number }[] = [];
  for (const stream of text.matchAll(/stream\r?\n([\s\S]*?)endstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(stream[1] ?? '', 'latin1')).toString('latin1');
    } catch {
      continue; // not deflated
    }
    for (const [, x, y, w, h] of content.matchAll(/(-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+) re/g)) {
      if (w === h) squares.push({ x: Number(x), y: Number(y), side: Number(w) });
    }
  }
  // The modules are the squares of the size drawn most often.
  const counts = new Map<number, number>();
  for (const s of squares) counts.set(s.side, (counts.get(s.side) ?? 0) + 1);
  const [side] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a), [0, 0]);
  if (side === 0) return undefined;
  const modules = squares.filter((s) => s.side === side);
  const left = Math.min(...modules.map((s) => s.x));
  const top = Math.min(...modules.map((s) => s.y));
  const cells = modules.map((s) => ({
    col: Math.round((s.x - left) / side),
    row: Math.round((s.y - top) / side),
  }));
  const size = Math.max(...cells.flatMap((c) => [c.col, c.row])) + 1;
  const scale = 4;
  const width = (size + 8) * scale;
  const image = new Uint8ClampedArray(width * width * 4).fill(255);
  for (const { col, row } of cells) {
    for (let y = 0; y < scale; y++) {
      for (let x = 0; x < scale; x++) {
        const at = (((row + 4) * scale + y) * width + (col + 4) * scale + x) * 4;
        image.fill(0, at, at + 3);
      }
    }
  }
  return jsQR(image, width, width)?.data;
}

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
  CitizenTestApp & {
    certificates: ReturnType<typeof createCertificateModule>['service'];
    international: ReturnType<typeof createCertificateModule>['international'];
    /** The test master key, for a second node (test/helpers/certificates.ts certificateNode). */
    masterKey: string;
  }
> {
  const masterKey = `test:${randomBytes(32).toString('base64')}`;
  const t = await citizenTestApp({ TEEKA_MASTER_KEY: masterKey });
  const { service, international } = createCertificateModule({
    db: t.database.db,
    limits: createLimits({ redisUrl: undefined, namespace: 'web-certificates' }),
    clock: systemClock,
    config: loadConfig({ NODE_ENV: 'test', TEEKA_MASTER_KEY: masterKey }),
    keys: createKeyRing(parseMasterKeys(masterKey, 'test')),
  });
  return { ...t, certificates: service, international, masterKey };
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

/**
 * Pastes `text` into the verifier page and reads its answer: the status, the format named,
 * the whole text, and the note on how fresh the revocation check was ('' when absent).
 */
export async function verifyPasted(page: Page, text: string) {
  await page.getByLabel('QR code text').fill(text);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const result = page.getByTestId('verify-result');
  await result.waitFor();
  const format = result.getByTestId('verify-format');
  const note = result.getByTestId('revocation-note');
  return {
    status: await result.getAttribute('data-status'),
    format: (await format.count()) > 0 ? await format.getAttribute('data-format') : null,
    text: (await result.textContent()) ?? '',
    note: (await note.count()) > 0 ? ((await note.textContent()) ?? '') : '',
  };
}
