import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { type VaccinationWorld, vaccinationWorld } from '../helpers/vaccinations.js';
import { expectNoSeriousViolations, verifyPasted } from '../helpers/web.js';

/*
 * The revocation of SMART Health Cards and EU DCCs in the web verifier, revoked the real way:
 * a dose recorded over the API, the cards downloaded over the API, then a correction asked by
 * the citizen and approved by the district admin, which re-issues and revokes.
 */
describe.runIf(browserAvailable)('SHC and DCC revocation in the web verifier', () => {
  let w: VaccinationWorld;
  let browser: Browser;
  let url: string;
  let revoked: { token: string; ref: string; shc: string; dcc: string };
  let valid: { shc: string };

  /** A citizen vaccinated over the API, and the QR texts of their SHC and EU DCC. */
  async function vaccinated() {
    const session = await w.session(w.centreA);
    const { token, ids } = await w.citizen(1);
    const ref = ids[0] ?? '';
    expect((await w.book(token, session, [ref])).statusCode).toBe(200);
    await w.checkIn(session, ref);
    expect((await w.dose(w.vaccinator, w.doseBody(session, ref))).statusCode).toBe(200);
    const get = async (path: string) => {
      const response = await w.t.app.inject({
        url: `/api/v1/me/certificates/${ref}${path}`,
        headers: w.bearer(token),
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ qr_text: string }>().qr_text;
    };
    return { token, ref, shc: await get('/smart-health-card/qr'), dcc: await get('/eu-dcc') };
  }

  beforeAll(async () => {
    w = await vaccinationWorld('98465');
    revoked = await vaccinated();
    valid = await vaccinated();
    url = await listen(w.t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.close();
  });

  it('says revoked with the reason for a card revoked by a correction, valid for another, and still so offline from the saved lists', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${url}/verify`);
    await expect.poll(() => page.getByTestId('keys-status').textContent()).toContain('saved');

    const before = await verifyPasted(page, revoked.shc);
    expect(before).toMatchObject({ status: 'valid', format: 'smart-health-card' });
    expect(before.note).toBe('Not revoked (checked with the issuer just now).');

    await w.approvedCorrection(revoked.token, revoked.ref, { name: 'Tess Person' });

    const card = await verifyPasted(page, revoked.shc);
    expect(card).toMatchObject({ status: 'revoked', format: 'smart-health-card' });
    expect(card.text).toContain(
      'The issuer revoked this certificate, for example after a correction',
    );
    expect(card.note).toBe("On the issuer's revocation list (checked with the issuer just now).");
    expect(card.text).not.toContain('Test Person');
    await screenshot(page, 'verify-shc-revoked-360');
    await expectNoSeriousViolations(page);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );
    await page.getByTestId('language').selectOption('hi');
    await expect
      .poll(() => page.getByTestId('revocation-note').textContent())
      .toBe('जारीकर्ता की रद्दीकरण सूची में है (अभी जारीकर्ता से जाँचा गया)।');
    await screenshot(page, 'verify-shc-revoked-hindi-360');
    await page.getByTestId('language').selectOption('en');

    const other = await verifyPasted(page, valid.shc);
    expect(other).toMatchObject({ status: 'valid', format: 'smart-health-card' });
    expect(other.note).toBe('Not revoked (checked with the issuer just now).');
    // The EU DCC's UVCI holds the certificate id in clear: the domestic list applies to it.
    const eu = await verifyPasted(page, revoked.dcc);
    expect(eu).toMatchObject({ status: 'revoked', format: 'eu-dcc' });

    await context.setOffline(true);
    const offline = await verifyPasted(page, revoked.shc);
    expect(offline.status).toBe('revoked');
    expect(offline.note).toContain('On the revocation list saved on');
    const offlineValid = await verifyPasted(page, valid.shc);
    expect(offlineValid.status).toBe('valid');
    expect(offlineValid.note).toContain('Not on the revocation list saved on');
    expect((await verifyPasted(page, revoked.dcc)).status).toBe('revoked');
    await context.setOffline(false);

    // A new page whose requests all fail: only what the first one saved remains.
    const second = await context.newPage();
    await second.route(/\/\.well-known\/|\/api\//, (route) => route.abort('internetdisconnected'));
    await second.goto(`${url}/verify`);
    await expect.poll(() => second.getByTestId('keys-status').textContent()).toContain('Offline');
    const saved = await verifyPasted(second, revoked.shc);
    expect(saved.status).toBe('revoked');
    expect(saved.note).toContain('On the revocation list saved on');
    expect((await verifyPasted(second, valid.shc)).status).toBe('valid');
    await context.close();
  });

  it('says revocation was not checked, and why, when no list can be fetched and none is saved', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The keys load (the signature is checked), the revocation list does not.
    await page.route(/\/\.well-known\/crl\//, (route) => route.abort('internetdisconnected'));
    await page.goto(`${url}/verify`);
    const answer = await verifyPasted(page, revoked.shc);
    expect(answer).toMatchObject({ status: 'valid', format: 'smart-health-card' });
    expect(answer.note).toBe(
      'Revocation not checked: you are offline and no revocation list is saved on this device.',
    );
    await expectNoSeriousViolations(page);
    await context.close();
  });
});
