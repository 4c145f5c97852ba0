import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { inflateRawSync, inflateSync } from 'node:zlib';

import jsQRModule from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { base45, json, shcJws, shcQr } from '../helpers/spec-codecs.js';
import type { Session } from '../helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../helpers/vaccinations.js';
import { citizenLogIn, expectNoSeriousViolations, registeredBeneficiary } from '../helpers/web.js';

// jsqr is CommonJS with an ESM-style declaration; pngjs (qrcode's PNG writer) ships no types.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
const { PNG } = createRequire(import.meta.url)('pngjs') as {
  PNG: { sync: { read(png: Buffer): { width: number; height: number; data: Buffer } } };
};
const qrOfPng = (body: Buffer) => {
  const png = PNG.sync.read(body);
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
};

describe.runIf(browserAvailable)('citizen certificate downloads in a real browser', () => {
  let w: VaccinationWorld;
  let browser: Browser;
  let url: string;
  let staff: { verifier: Session; vaccinator: Session };

  beforeAll(async () => {
    w = await vaccinationWorld('98451');
    // The browser reads the citizen token's expiry on its own clock: the server's is now too.
    w.clock.advance(Date.now() - w.clock.now().getTime());
    staff = { verifier: await w.relogin(w.verifier), vaccinator: await w.relogin(w.vaccinator) };
    url = await listen(w.t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.close();
  });

  const logIn = (page: Page, mobile: string) => citizenLogIn(page, url, w.t.outbox, mobile);

  async function download(page: Page, button: string) {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('certificate').getByRole('button', { name: button }).click(),
    ]);
    return { name: file.suggestedFilename(), body: await readFile(await file.path()) };
  }

  it('offers no certificate before a dose; after the dose (recorded by staff over the API) downloads the PDF, the SMART Health Card file and QR, and the EU DCC QR and text, each of which verifies', async () => {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const mobile = '9845120001';
    const ref = await registeredBeneficiary(w.t, {
      mobile,
      name: 'Meera Iyer',
      idNumber: 'CRT4000001',
    });
    const token = await logIn(page, mobile);
    w.remember(ref, token);
    const session = await w.session(w.centreA);
    expect((await w.book(token, session, [ref])).statusCode).toBe(200);

    await page.reload();
    const member = page.getByTestId('member').filter({ hasText: 'Meera Iyer' });
    await member.getByTestId('appointment').waitFor();
    expect(await page.getByTestId('certificate').count()).toBe(0);

    await w.checkIn(session, ref, staff.verifier);
    const dose = await w.dose(staff.vaccinator, w.doseBody(session, ref));
    expect(dose.statusCode).toBe(200);

    await page.reload();
    await member.getByTestId('certificate').waitFor();
    await expectNoSeriousViolations(page);
    await screenshot(page, 'citizen-certificate-360');

    const pdf = await download(page, 'Download certificate (PDF)');
    expect(pdf.name).toBe(`teeka-certificate-${ref}.pdf`);
    expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // The SMART Health Card file: a compact JWS, DEF-compressed, with the person in the bundle.
    const shc = await download(page, 'Download SMART Health Card file');
    expect(shc.name).toBe(`teeka-${ref}.smart-health-card`);
    const { verifiableCredential } = JSON.parse(shc.body.toString('utf8')) as {
      verifiableCredential: string[];
    };
    expect(verifiableCredential).toHaveLength(1);
    const [header = '', payload = ''] = (verifiableCredential[0] ?? '').split('.');
    expect(json(header)).toMatchObject({ alg: 'ES256', zip: 'DEF' });
    const card = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString('utf8')) as {
      vc: {
        credentialSubject: { fhirBundle: { entry: { resource: { resourceType: string } }[] } };
      };
    };
    expect(card.vc.credentialSubject.fhirBundle.entry.map((e) => e.resource.resourceType)).toEqual([
      'Patient',
      'Immunization',
    ]);

    const shcPng = await download(page, 'Download SMART Health Card QR image');
    expect(shcPng.name).toBe(`teeka-${ref}-smart-health-card.png`);
    const shcText = qrOfPng(shcPng.body) ?? '';
    // Each download is signed anew (ECDSA signatures differ): the same header, and both verify.
    expect(shcJws(shcText).split('.')[0]).toBe(header);
    for (const qr of [shcText, shcQr(verifiableCredential[0] ?? '')]) {
      expect(await w.verify(qr)).toMatchObject({ format: 'smart-health-card', status: 'valid' });
    }

    const dccPng = await download(page, 'Download EU Digital COVID Certificate QR image');
    expect(dccPng.name).toBe(`teeka-${ref}-eu-dcc.png`);
    const dccFromQr = qrOfPng(dccPng.body) ?? '';
    expect(dccFromQr.startsWith('HC1:')).toBe(true);
    // zlib (RFC 1950) around a COSE_Sign1 (CBOR tag 18 = 0xd2).
    expect(inflateSync(base45(dccFromQr.slice(4)))[0]).toBe(0xd2);

    await page.getByRole('button', { name: 'Show EU Digital COVID Certificate text' }).click();
    const text = page.getByLabel('EU Digital COVID Certificate (HC1 text, for a verifier)');
    await expect.poll(() => text.inputValue()).toMatch(/^HC1:[0-9A-Z $%*+\-./:]+$/);
    const dccText = await text.inputValue();
    expect(await page.getByTestId('certificate').textContent()).toMatch(
      /Certificate identifier: URN:UVCI:\S+Valid until: \d{4}-\d{2}-\d{2}/,
    );
    for (const qr of [dccFromQr, dccText]) {
      expect(await w.verify(qr)).toMatchObject({ format: 'eu-dcc', status: 'valid' });
    }
    await expectNoSeriousViolations(page);
    await screenshot(page, 'citizen-certificate-dcc-360');

    // The text folds away again.
    await page.getByRole('button', { name: 'Hide EU Digital COVID Certificate text' }).click();
    expect(await page.getByTestId('dcc-text').count()).toBe(0);
    await context.close();
  });
});
