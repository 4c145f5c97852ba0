import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

import jsQRModule from 'jsqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  certificateNode,
  citizenWithBeneficiary,
  doseFacts,
} from '../../../test/helpers/certificates.js';
import {
  bearer,
  type CitizenTestApp,
  citizenTestApp,
  mobileSequence,
} from '../../../test/helpers/citizen.js';
import type { CertificateInput } from './schemas.js';

const masterKey = `test:${randomBytes(32).toString('base64')}`;
const nextMobile = mobileSequence('93456');
let t: CitizenTestApp;
let node: ReturnType<typeof certificateNode>;

beforeAll(async () => {
  t = await citizenTestApp({ TEEKA_MASTER_KEY: masterKey });
  node = certificateNode(t, masterKey);
});
afterAll(() => t.close());

const issue = (ref: string, overrides: Partial<CertificateInput> = {}) =>
  t.database.db
    .transaction()
    .execute((tx) => node.service.issueCertificate(tx, doseFacts(ref, overrides)));

const get = (url: string, token?: string) =>
  t.app.inject({ url, headers: token ? bearer(token) : {} });

const pdfUrl = (ref: string) =>
  `/api/v2/registration/certificate/public/download?beneficiary_reference_id=${ref}`;
const ALL_FORMATS = [
  pdfUrl,
  (ref: string) => `/api/v1/me/certificates/${ref}`,
  (ref: string) => `/api/v1/me/certificates/${ref}/smart-health-card`,
  (ref: string) => `/api/v1/me/certificates/${ref}/smart-health-card/qr`,
  (ref: string) => `/api/v1/me/certificates/${ref}/smart-health-card/qr.png`,
  (ref: string) => `/api/v1/me/certificates/${ref}/eu-dcc`,
  (ref: string) => `/api/v1/me/certificates/${ref}/eu-dcc/qr.png`,
];

// jsqr is CommonJS with an ESM-style declaration; pngjs (qrcode's PNG writer) ships no types.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
const { PNG } = createRequire(import.meta.url)('pngjs') as {
  PNG: { sync: { read(png: Buffer): { width: number; height: number; data: Buffer } } };
};

function qrOfPng(body: Buffer): string | undefined {
  const png = PNG.sync.read(body);
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

const downloadsAudited = (ref: string) =>
  t.database.db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id', 'subject_id', 'outcome', 'reason', 'details'])
    .where('action', '=', 'certificate.download')
    .where('subject_id', '=', ref)
    .orderBy('id')
    .execute();

describe('citizen certificate downloads', () => {
  it('serves the CoWIN PDF of the current certificate, with a filename', async () => {
    const { token, ref } = await citizenWithBeneficiary(t, nextMobile());
    await issue(ref, { kind: 'provisional', dose: 1 });
    const response = await get(pdfUrl(ref), token);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="teeka-certificate-${ref}.pdf"`,
    );
    expect(response.headers['cache-control']).toBe('private, no-store');
    expect(response.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('gives the newest certificate that is not revoked, as the signed credential and its QR text', async () => {
    const { token, ref } = await citizenWithBeneficiary(t, nextMobile());
    const first = await issue(ref, { kind: 'provisional', dose: 1 });
    const second = await issue(ref, { kind: 'final', dose: 2 });
    await t.database.db
      .transaction()
      .execute((tx) => node.service.revokeCertificate(tx, second.certificateId, 'correction'));
    const response = await get(`/api/v1/me/certificates/${ref}`, token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      beneficiary_reference_id: ref,
      certificate_id: first.certificateId,
      kind: 'provisional',
      dose: 1,
      issued_at: first.issuedAt.toISOString(),
      revoked: false,
      credential: first.credential,
      qr_text: first.qrText,
    });
  });

  it('serves a .smart-health-card file and its shc:/ QR text, as text and as a scannable PNG', async () => {
    const { token, ref } = await citizenWithBeneficiary(t, nextMobile());
    await issue(ref);
    const file = await get(`/api/v1/me/certificates/${ref}/smart-health-card`, token);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/smart-health-card');
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename="teeka-${ref}.smart-health-card"`,
    );
    const { verifiableCredential } = file.json<{ verifiableCredential: string[] }>();
    expect(verifiableCredential).toHaveLength(1);
    expect(verifiableCredential[0]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const qr = await get(`/api/v1/me/certificates/${ref}/smart-health-card/qr`, token);
    const { qr_text: qrText } = qr.json<{ qr_text: string }>();
    expect(qrText).toMatch(/^shc:\/(\d\d)+$/);
    const png = await get(`/api/v1/me/certificates/${ref}/smart-health-card/qr.png`, token);
    expect(png.headers['content-type']).toBe('image/png');
    const scanned = qrOfPng(png.rawPayload);
    expect(scanned).toMatch(/^shc:\/(\d\d)+$/);
    // Each download signs anew (ECDSA is randomised): same card, different signature.
    const verified = await t.app.inject({
      method: 'POST',
      url: '/api/v1/certificates/verify',
      payload: { qr: scanned },
    });
    expect(verified.json()).toMatchObject({ format: 'smart-health-card', status: 'valid' });
  });

  it('serves the EU DCC as HC1: text and as a PNG that scans back to the same text', async () => {
    const { token, ref } = await citizenWithBeneficiary(t, nextMobile());
    const certificate = await issue(ref);
    const dcc = await get(`/api/v1/me/certificates/${ref}/eu-dcc`, token);
    expect(dcc.statusCode).toBe(200);
    const body = dcc.json<{
      qr_text: string;
      certificate_identifier: string;
      expires_at: string;
    }>();
    expect(body.qr_text).toMatch(/^HC1:[0-9A-Z $%*+\-./:]+$/);
    expect(body.certificate_identifier).toBe(`URN:UVCI:01:IN:TEEKA/${certificate.certificateId}`);
    expect(new Date(body.expires_at).getTime()).toBeGreaterThan(Date.now() + 364 * 86_400_000);

    const png = await get(`/api/v1/me/certificates/${ref}/eu-dcc/qr.png`, token);
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const scanned = qrOfPng(png.rawPayload);
    expect(scanned).toMatch(/^HC1:/);
    const verified = await t.app.inject({
      method: 'POST',
      url: '/api/v1/certificates/verify',
      payload: { qr: scanned },
    });
    expect(verified.json()).toMatchObject({
      format: 'eu-dcc',
      status: 'valid',
      certificate: { certificate_id: certificate.certificateId, name: 'Meera Iyer' },
    });
  });

  it("answers another account's beneficiary exactly as an unknown one, in every format, and audits the refusal", async () => {
    const owner = await citizenWithBeneficiary(t, nextMobile());
    await issue(owner.ref);
    const stranger = await citizenWithBeneficiary(t, nextMobile());
    for (const url of ALL_FORMATS) {
      const theirs = await get(url(owner.ref), stranger.token);
      const unknown = await get(url('12345678901234'), stranger.token);
      expect(theirs.statusCode, url(owner.ref)).toBe(404);
      expect(theirs.json()).toMatchObject({ code: 'beneficiary-not-found' });
      const strip = (body: Record<string, unknown>) => ({ ...body, instance: '', requestId: '' });
      expect(strip(theirs.json())).toEqual(strip(unknown.json()));
    }
    const refused = await downloadsAudited(owner.ref);
    expect(refused).toHaveLength(ALL_FORMATS.length);
    for (const row of refused) {
      expect(row).toMatchObject({
        actor_type: 'citizen',
        outcome: 'denied',
        reason: 'not-owned-or-missing',
      });
      expect(row.actor_id).not.toBeNull();
    }
  });

  it('needs a citizen token', async () => {
    const { ref } = await citizenWithBeneficiary(t, nextMobile());
    for (const url of ALL_FORMATS) {
      expect((await get(url(ref))).statusCode).toBe(401);
    }
  });

  it('says there is no certificate yet for a beneficiary without a dose', async () => {
    const { token, ref } = await citizenWithBeneficiary(t, nextMobile());
    const response = await get(pdfUrl(ref), token);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'certificate-not-found' });
  });

  it('refuses bad ids with a 400 and changes nothing', async () => {
    const { token } = await citizenWithBeneficiary(t, nextMobile());
    const allowedDownloads = async () =>
      (
        await t.database.db
          .selectFrom('audit_log')
          .select('id')
          .where('action', '=', 'certificate.download')
          .where('outcome', '=', 'allowed')
          .execute()
      ).length;
    const before = await allowedDownloads();
    for (const bad of ['', 'abc', '1'.repeat(15), '1234567890123x', '%00']) {
      const pdf = await get(
        `/api/v2/registration/certificate/public/download?beneficiary_reference_id=${encodeURIComponent(bad)}`,
        token,
      );
      expect(pdf.statusCode, bad).toBe(400);
    }
    const missing = await get('/api/v2/registration/certificate/public/download', token);
    expect(missing.statusCode).toBe(400);
    // An injection attempt meets the WAF's attack-pattern screen before the schema.
    const injection = await get(pdfUrl(encodeURIComponent("1' or '1'='1")), token);
    expect(injection.statusCode).toBe(403);
    expect(await allowedDownloads()).toBe(before);
  });

  it('records each download: the citizen, the beneficiary, the format and certificate, and no personal data', async () => {
    const { token, ref } = await citizenWithBeneficiary(t, nextMobile(), 'Kavya Raman');
    const certificate = await issue(ref, { name: 'Kavya Raman' });
    for (const url of ALL_FORMATS) expect((await get(url(ref), token)).statusCode).toBe(200);
    const rows = await downloadsAudited(ref);
    expect(rows.map((r) => r.details.format)).toEqual([
      'pdf',
      'w3c-vc',
      'smart-health-card',
      'smart-health-card',
      'smart-health-card',
      'eu-dcc',
      'eu-dcc',
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ actor_type: 'citizen', outcome: 'allowed', subject_id: ref });
      expect(row.details.certificate_id).toBe(certificate.certificateId);
      expect(JSON.stringify(row)).not.toMatch(/Kavya|Raman|1234/);
    }
  });

  it('refuses an EU DCC for a vaccine the EU value sets do not list, and for a name with no Latin form; the SHC is still given', async () => {
    const corbevax = await citizenWithBeneficiary(t, nextMobile());
    await issue(corbevax.ref, {
      vaccine: 'CORBEVAX',
      manufacturer: 'Biological E',
      batch: 'CB2201',
    });
    const refused = await get(`/api/v1/me/certificates/${corbevax.ref}/eu-dcc`, corbevax.token);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'dcc-vaccine-not-listed' });
    const card = await get(
      `/api/v1/me/certificates/${corbevax.ref}/smart-health-card`,
      corbevax.token,
    );
    expect(card.statusCode).toBe(200);

    const devanagari = await citizenWithBeneficiary(t, nextMobile(), 'मीरा अय्यर');
    await issue(devanagari.ref, { name: 'मीरा अय्यर' });
    const noLatin = await get(`/api/v1/me/certificates/${devanagari.ref}/eu-dcc`, devanagari.token);
    expect(noLatin.statusCode).toBe(409);
    expect(noLatin.json()).toMatchObject({ code: 'dcc-needs-latin-name' });
    const rows = await downloadsAudited(devanagari.ref);
    expect(rows).toEqual([
      expect.objectContaining({ outcome: 'denied', reason: 'dcc-needs-latin-name' }),
    ]);
  });
});
