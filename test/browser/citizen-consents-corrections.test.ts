import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { bearer } from '../helpers/citizen.js';
import {
  consent,
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
  registeredPerson,
} from '../helpers/partners.js';
import { listen } from '../helpers/server.js';
import { type VaccinationWorld, vaccinationWorld } from '../helpers/vaccinations.js';
import { citizenLogIn, expectNoSeriousViolations } from '../helpers/web.js';

describe.runIf(browserAvailable)('citizen partner consents in a real browser', () => {
  let t: PartnerTestApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    t = await partnerTestApp({ TEEKA_OTP_PER_MOBILE: '100' });
    url = await listen(t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  it('shows a consent given through the partner API and revokes it: the partner is then refused', async () => {
    const mobile = '9876503001';
    const client = await registerClient(t, await t.staff.nationalAdmin(), { name: 'Acme Health' });
    const { ref } = await registeredPerson(t, mobile, 'Asha Devi');
    const partner = await partnerToken(t, client);
    const given = await consent(t, partner, {
      mobile,
      ref,
      scope: 'vaccination-status:consented',
      uses: 5,
    });
    const read = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/partners/vaccination-status',
        headers: bearer(partner),
        payload: { consent_id: given.consent_id, beneficiary_reference_id: ref },
      });
    expect((await read()).statusCode).toBe(200);

    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    // The app runs on a manual clock: the page's clock agrees, so the login has not expired.
    await page.clock.install({ time: t.clock.now() });
    await citizenLogIn(page, url, t.outbox, mobile);
    await page.getByRole('button', { name: 'Show my partner consents' }).click();
    const card = page.getByTestId('consent');
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain('Acme Health');
    expect(await card.textContent()).toContain('Asha Devi');
    expect(await card.getByTestId('consent-status').textContent()).toBe('Active (4 reads left)');
    await card.getByRole('button', { name: 'Revoke consent' }).click();
    await screenshot(page, 'citizen-consent-confirm-360');
    await expectNoSeriousViolations(page);
    await card.getByRole('button', { name: 'Yes, revoke it' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'revoked' }).textContent())
      .toBe('The consent given to Acme Health was revoked.');
    await expect.poll(() => card.getByTestId('consent-status').textContent()).toBe('Revoked');
    expect(await card.getByRole('button', { name: 'Revoke consent' }).count()).toBe(0);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );
    await expectNoSeriousViolations(page);

    const refused = await read();
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ code: string }>().code).toBe('consent-revoked');
    await page.close();
  });
});

describe.runIf(browserAvailable)('citizen certificate correction in a real browser', () => {
  let w: VaccinationWorld;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    w = await vaccinationWorld('98457');
    const session = await w.session(w.centreA);
    const { token, ids } = await w.citizen(1);
    const ref = ids[0] ?? '';
    expect((await w.book(token, session, [ref])).statusCode).toBe(200);
    await w.checkIn(session, ref);
    expect((await w.dose(w.vaccinator, w.doseBody(session, ref))).statusCode).toBe(200);
    url = await listen(w.t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.close();
  });

  it('asks for a correction, checks it in a second step, and shows it waiting', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.clock.install({ time: w.clock.now() });
    // The first mobile of the world's prefix: the citizen vaccinated above.
    await citizenLogIn(page, url, w.t.outbox, '9845710000');
    await page.getByRole('button', { name: 'Request a correction' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toBe('Fill in at least one thing to correct.');
    await page.getByLabel('Correct full name').fill('Tess Person');
    await page.getByLabel('Why it is wrong').fill('The name was misspelt at registration');
    await page.getByRole('button', { name: 'Continue' }).click();
    const review = page.getByRole('group', { name: 'Check the correction for Test Person' });
    await review.waitFor();
    expect(await review.textContent()).toContain('Tess Person');
    await expectNoSeriousViolations(page);
    await review.getByRole('button', { name: 'Send request' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'correction' }).textContent())
      .toBe('The correction for Test Person was sent. It waits for a district officer.');
    await expect
      .poll(() => page.getByTestId('correction-status').textContent())
      .toBe('Waiting for a district officer');
    expect(await page.getByTestId('correction').textContent()).toContain('Test Person: Name');
    expect(await w.count('correction_requests')).toBe(1);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );
    await screenshot(page, 'citizen-correction-360');
    await expectNoSeriousViolations(page);

    await page.getByTestId('language').selectOption('hi');
    await expect
      .poll(() => page.getByTestId('correction-status').textContent())
      .toBe('ज़िला अधिकारी की जाँच की प्रतीक्षा में');
    expect(await page.getByRole('heading', { name: 'साझेदार सहमतियाँ' }).count()).toBe(1);
    await expectNoSeriousViolations(page);
    await page.close();
  });
});
