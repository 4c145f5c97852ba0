import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

import type { Browser, BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { base45Decode } from '../../server/modules/certificates/encoding.js';
import { encodeQrText } from '../../server/modules/certificates/qr.js';
import type { Certificate } from '../../server/modules/certificates/service.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import {
  certificateTestApp,
  expectNoSeriousViolations,
  firstDose,
  qrVideoFile,
  registeredBeneficiary,
  verifyPasted,
} from '../helpers/web.js';

/** The credential inside a QR text, parsed (the test's own decoder: Node's zlib). */
function credentialOf(qrText: string): Certificate['credential'] {
  const compressed = base45Decode(qrText.slice('TK1:'.length));
  if (!compressed) throw new Error('not base45');
  return JSON.parse(inflateRawSync(compressed).toString('utf8')) as Certificate['credential'];
}

/** Camera tracks the page's video element is showing and that are still live. */
function liveCameraTracks(page: Page): Promise<number> {
  return page.locator('video').evaluate((video) => {
    const stream = (
      video as unknown as { srcObject: { getTracks(): { readyState: string }[] } | null }
    ).srcObject;
    return stream?.getTracks().filter((track) => track.readyState === 'live').length ?? 0;
  });
}

describe.runIf(browserAvailable)('certificate verifier page in a real browser', () => {
  let t: Awaited<ReturnType<typeof certificateTestApp>>;
  let browser: Browser;
  let url: string;
  let dir: string;
  let certificate: Certificate;
  const NAME = 'Meera Iyer';

  beforeAll(async () => {
    t = await certificateTestApp();
    url = await listen(t);
    dir = await mkdtemp(path.join(tmpdir(), 'teeka-verifier-'));
    const ref = await registeredBeneficiary(t, {
      mobile: '9876501001',
      name: NAME,
      idNumber: 'VRF1000001',
    });
    certificate = await t.database.db
      .transaction()
      .execute((tx) => t.certificates.issueCertificate(tx, firstDose(ref, NAME)));
    const video = path.join(dir, 'qr.y4m');
    await qrVideoFile(certificate.qrText, video);
    browser = await launchBrowser([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function openVerifier(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${url}/verify`);
    await expect.poll(() => page.getByTestId('keys-status').textContent()).toContain('saved');
    return page;
  }

  it('says valid with the name, dose and vaccine for a pasted QR text, on a 360 px phone, with no serious accessibility issue', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await openVerifier(context);
    const answer = await verifyPasted(page, certificate.qrText);
    expect(answer.status).toBe('valid');
    expect(await page.getByTestId('fact-name').textContent()).toBe(NAME);
    expect(await page.getByTestId('fact-dose').textContent()).toBe('Dose 1 of 2');
    expect(answer.text).toContain('COVISHIELD');
    expect(answer.text).toContain('17 September 2021');
    expect(answer.text).toContain(certificate.certificateId);
    expect(await page.getByTestId('revocation-note').textContent()).toContain('just now');
    await screenshot(page, 'verify-valid-360');
    await expectNoSeriousViolations(page);
    await context.close();
  });

  it('says invalid (signature) when one character of the name is changed and the QR re-encoded', async () => {
    const context = await browser.newContext();
    const page = await openVerifier(context);
    const credential = credentialOf(certificate.qrText);
    credential.credentialSubject.name = 'Meera Iyar';
    const answer = await verifyPasted(page, encodeQrText(credential));
    expect(answer.status).toBe('invalid');
    expect(answer.text).toContain('changed after it was issued');
    expect(answer.text).not.toContain('Meera Iyar');
    await context.close();
  });

  it('tells apart text that is not ours, a damaged code, another issuer and an unpublished key', async () => {
    const context = await browser.newContext();
    const page = await openVerifier(context);
    const reasons: [string, string][] = [];
    const credential = credentialOf(certificate.qrText);
    for (const text of [
      'NOT-A-CERTIFICATE:6BFOXN%TS3DH0YOJ58S',
      certificate.qrText.slice(0, 200),
      encodeQrText({ ...credential, issuer: 'did:web:forger.example' }),
      encodeQrText({
        ...credential,
        proof: { ...credential.proof, verificationMethod: 'did:web:localhost#no-such-key' },
      }),
      encodeQrText({ hello: 'world' }),
    ]) {
      const answer = await verifyPasted(page, text);
      reasons.push([answer.status ?? '', answer.text]);
    }
    expect(reasons.map(([status]) => status)).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    expect(reasons[0]?.[1]).toContain('not a Teeka certificate');
    expect(reasons[1]?.[1]).toContain('damaged or incomplete');
    expect(reasons[2]?.[1]).toContain('issuer other than this one');
    expect(reasons[3]?.[1]).toContain('never published');
    expect(reasons[4]?.[1]).toContain('damaged or incomplete');
    await context.close();
  });

  it('reads the QR code from an uploaded PNG', async () => {
    const context = await browser.newContext();
    const page = await openVerifier(context);
    const png = await QRCode.toBuffer([{ data: certificate.qrText, mode: 'alphanumeric' }], {
      errorCorrectionLevel: 'M',
      scale: 4,
    });
    await page
      .getByLabel('Or upload a photo or image of the QR code')
      .setInputFiles({ name: 'certificate.png', mimeType: 'image/png', buffer: png });
    await expect
      .poll(() => page.getByTestId('verify-result').getAttribute('data-status'))
      .toBe('valid');
    expect(await page.getByTestId('fact-name').textContent()).toBe(NAME);
    // A picture with no QR code in it gets a plain answer, not a crash.
    const blank = await QRCode.toBuffer('x', { scale: 1, margin: 40, color: { dark: '#ffffff' } });
    await page
      .getByLabel('Or upload a photo or image of the QR code')
      .setInputFiles({ name: 'blank.png', mimeType: 'image/png', buffer: blank });
    await expect
      .poll(() => page.getByTestId('verify-result').getAttribute('data-status'))
      .toBe('no-qr');
    await context.close();
  });

  it('reads the QR code from the camera, only once the user asks', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['camera']);
    const page = await openVerifier(context);
    expect(await liveCameraTracks(page)).toBe(0);
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    await expect
      .poll(() => page.getByTestId('verify-result').getAttribute('data-status'), {
        timeout: 15_000,
      })
      .toBe('valid');
    expect(await page.getByTestId('fact-name').textContent()).toBe(NAME);
    // The camera is switched off once the code is read.
    expect(await liveCameraTracks(page)).toBe(0);
    await context.close();
  });

  it('still says valid offline with the saved keys, in a page that never reached the server', async () => {
    const context = await browser.newContext();
    const first = await openVerifier(context);
    expect((await verifyPasted(first, certificate.qrText)).status).toBe('valid');
    await context.setOffline(true);
    const offline = await verifyPasted(first, certificate.qrText);
    expect(offline.status).toBe('valid');
    expect(await first.getByTestId('revocation-note').textContent()).toContain('you are offline');
    await context.setOffline(false);

    // A new page whose key and revocation requests all fail: only the saved copies remain.
    const second = await context.newPage();
    await second.route(/\/\.well-known\/|\/api\//, (route) => route.abort('internetdisconnected'));
    await second.goto(`${url}/verify`);
    await expect.poll(() => second.getByTestId('keys-status').textContent()).toContain('Offline');
    const answer = await verifyPasted(second, certificate.qrText);
    expect(answer.status).toBe('valid');
    expect(await second.getByTestId('fact-name').textContent()).toBe(NAME);
    await context.close();
  });

  it('says revoked once the issuer revokes it, online and then offline from the saved list', async () => {
    const ref = await registeredBeneficiary(t, {
      mobile: '9876501002',
      name: 'Arjun Rao',
      idNumber: 'VRF1000002',
    });
    const revoked = await t.database.db
      .transaction()
      .execute((tx) => t.certificates.issueCertificate(tx, firstDose(ref, 'Arjun Rao')));
    const context = await browser.newContext();
    const page = await openVerifier(context);
    expect((await verifyPasted(page, revoked.qrText)).status).toBe('valid');
    await t.database.db
      .transaction()
      .execute((tx) => t.certificates.revokeCertificate(tx, revoked.certificateId, 'correction'));
    const online = await verifyPasted(page, revoked.qrText);
    expect(online.status).toBe('revoked');
    expect(online.text).toContain('revoked this certificate');
    expect(online.text).not.toContain('Arjun Rao');
    await context.setOffline(true);
    expect((await verifyPasted(page, revoked.qrText)).status).toBe('revoked');
    // The other certificate is still valid from the same saved list.
    expect((await verifyPasted(page, certificate.qrText)).status).toBe('valid');
    await context.close();
  });

  it('speaks Hindi when asked', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await openVerifier(context);
    await page.getByTestId('language').selectOption('hi');
    await expect.poll(() => page.locator('h1').textContent()).toBe('टीकाकरण प्रमाणपत्र जाँचें');
    await page.getByLabel('QR कोड का टेक्स्ट').fill(certificate.qrText);
    await page.getByRole('button', { name: 'जाँचें', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('verify-result').locator('h2').textContent())
      .toBe('मान्य प्रमाणपत्र');
    expect(await page.getByTestId('fact-dose').textContent()).toBe('2 में से खुराक 1');
    await screenshot(page, 'verify-valid-hindi-360');
    await expectNoSeriousViolations(page);
    await context.close();
  });
});
