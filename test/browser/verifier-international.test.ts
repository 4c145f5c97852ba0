import { deflateRawSync, deflateSync, inflateRawSync, inflateSync } from 'node:zlib';

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Certificate } from '../../server/modules/certificates/service.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { base45, shcJws, shcQr, toBase45 } from '../helpers/spec-codecs.js';
import {
  certificateTestApp,
  expectNoSeriousViolations,
  firstDose,
  registeredBeneficiary,
  verifyPasted,
} from '../helpers/web.js';

/** The same bytes with one name changed (same length, so the CBOR or JSON stays well formed). */
const renamed = (bytes: Buffer) =>
  Buffer.from(bytes.toString('latin1').replaceAll('Meera', 'Meena'), 'latin1');

describe.runIf(browserAvailable)('SMART Health Cards and EU DCCs in the web verifier', () => {
  let t: Awaited<ReturnType<typeof certificateTestApp>>;
  let browser: Browser;
  let url: string;
  let certificate: Certificate;
  let shc: { jws: string; qrText: string };
  let dcc: { qrText: string };

  beforeAll(async () => {
    t = await certificateTestApp();
    url = await listen(t);
    const ref = await registeredBeneficiary(t, {
      mobile: '9876501101',
      name: 'Meera Iyer',
      idNumber: 'VRF1100001',
    });
    certificate = await t.database.db
      .transaction()
      .execute((tx) => t.certificates.issueCertificate(tx, firstDose(ref, 'Meera Iyer')));
    shc = await t.database.db
      .transaction()
      .execute((tx) => t.international.smartHealthCard(tx, certificate));
    dcc = await t.database.db.transaction().execute((tx) => t.international.euDcc(tx, certificate));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  it('says valid and names the format for an SHC and a DCC, invalid with the reason for tampered ones, and revoked for a revoked DCC', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${url}/verify`);
    await expect.poll(() => page.getByTestId('keys-status').textContent()).toContain('saved');

    const card = await verifyPasted(page, shc.qrText);
    expect(card).toMatchObject({ status: 'valid', format: 'smart-health-card' });
    expect(card.text).toContain('Format: SMART Health Card');
    expect(await page.getByTestId('fact-name').textContent()).toBe('Meera Iyer');
    expect(await page.getByTestId('fact-birth-date').textContent()).toBe('1990');
    expect(await page.getByTestId('fact-dose').textContent()).toContain('Not in this format');
    expect(card.text).toContain('COVISHIELD');
    expect(card.text).toContain('17 September 2021');
    await screenshot(page, 'verify-shc-360');
    await expectNoSeriousViolations(page);

    // The .smart-health-card file's JSON, pasted.
    const file = JSON.stringify({ verifiableCredential: [shc.jws] });
    expect(await verifyPasted(page, file)).toMatchObject({ status: 'valid' });

    const eu = await verifyPasted(page, dcc.qrText);
    expect(eu).toMatchObject({ status: 'valid', format: 'eu-dcc' });
    expect(eu.text).toContain('Format: EU Digital COVID Certificate');
    expect(await page.getByTestId('fact-dose').textContent()).toBe('Dose 1 of 2');
    expect(eu.text).toContain(certificate.certificateId);

    // A card whose payload was changed but keeps the old signature.
    const [header = '', body = '', signature = ''] = shcJws(shc.qrText).split('.');
    const changedBody = deflateRawSync(renamed(inflateRawSync(Buffer.from(body, 'base64url'))));
    const tamperedCard = shcQr(`${header}.${changedBody.toString('base64url')}.${signature}`);
    const badCard = await verifyPasted(page, tamperedCard);
    expect(badCard).toMatchObject({ status: 'invalid', format: 'smart-health-card' });
    expect(badCard.text).toContain('changed after it was issued');
    expect(badCard.text).not.toContain('Meena');

    const cose = inflateSync(base45(dcc.qrText.slice(4)));
    const tamperedDcc = `HC1:${toBase45(deflateSync(renamed(cose)))}`;
    const badDcc = await verifyPasted(page, tamperedDcc);
    expect(badDcc).toMatchObject({ status: 'invalid', format: 'eu-dcc' });
    expect(badDcc.text).toContain('changed after it was issued');

    // An unpublished SHC key, and a DCC signer not on the trust list.
    const otherKid = Buffer.from(JSON.stringify({ zip: 'DEF', alg: 'ES256', kid: 'x'.repeat(43) }));
    const unknownKey = shcQr(`${otherKid.toString('base64url')}.${body}.${signature}`);
    expect((await verifyPasted(page, unknownKey)).text).toContain('never published');
    const kidAt = cose.indexOf(Buffer.from([0x04, 0x48])) + 2; // protected header: 4 => bstr(8)
    const foreign = Buffer.from(cose);
    foreign.fill(0, kidAt, kidAt + 8);
    const foreignDcc = await verifyPasted(page, `HC1:${toBase45(deflateSync(foreign))}`);
    expect(foreignDcc.text).toContain('not trusted here');
    expect((await verifyPasted(page, 'HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC')).text).toContain(
      'damaged or incomplete',
    );

    await t.database.db
      .transaction()
      .execute((tx) =>
        t.certificates.revokeCertificate(tx, certificate.certificateId, 'correction'),
      );
    const revoked = await verifyPasted(page, dcc.qrText);
    expect(revoked).toMatchObject({ status: 'revoked', format: 'eu-dcc' });
    expect(revoked.text).not.toContain('Meera');
    await context.close();
  });
});
