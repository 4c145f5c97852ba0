import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { type VaccinationWorld, vaccinationWorld } from '../helpers/vaccinations.js';
import { expectNoSeriousViolations } from '../helpers/web.js';

describe.runIf(browserAvailable)('public dashboard in a real browser', () => {
  let w: VaccinationWorld;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    w = await vaccinationWorld('98454');
    const covishield = await w.session(w.centreA);
    const covaxin = await w.session(w.centreA, 0, { vaccine: 'COVAXIN' });
    for (const [session, count, vaccine] of [
      [covishield, 4, 'COVISHIELD'],
      [covishield, 2, 'COVISHIELD'],
      [covaxin, 1, 'COVAXIN'],
    ] as const) {
      const { token, ids } = await w.citizen(count);
      expect((await w.book(token, session, ids)).statusCode).toBe(200);
      for (const ref of ids) {
        await w.checkIn(session, ref);
        expect(
          (await w.dose(w.vaccinator, w.doseBody(session, ref, 1, { vaccine }))).statusCode,
        ).toBe(200);
      }
    }
    url = await listen(w.t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.close();
  });

  it('shows each breakdown as a chart and a table on a 360 px screen, small counts suppressed', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${url}/dashboard`);
    await expect.poll(() => page.locator('.dashboard-total strong').textContent()).toBe('7');
    const state = page.getByRole('table', { name: 'Doses by state: numbers' });
    expect(await state.getByRole('row', { name: /Karnataka/ }).textContent()).toBe('Karnataka7');
    // COVAXIN (1) is under 5 and COVISHIELD (6) is hidden only to protect it: both say
    // "not shown" (telling them apart would give 7 - 5 = COVAXIN at most 2), neither says
    // "fewer than 5", which would be false of COVISHIELD.
    const vaccines = page.getByRole('table', { name: 'Doses by vaccine: numbers' });
    expect(await vaccines.locator('tbody tr').allTextContents()).toEqual([
      'COVAXINnot shown',
      'COVISHIELDnot shown',
    ]);
    expect(await page.getByText('fewer than 5', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('img', { name: /Bar chart: Doses by vaccine/ }).count()).toBe(1);
    // The 7 doses: all to people born in 1980, aged 46 at the dose.
    const ages = page.getByRole('table', { name: 'Doses by age group: numbers' });
    expect(await ages.locator('tbody tr').allTextContents()).toEqual(['45–59 years7']);
    expect(await page.locator('svg[role="img"]').count()).toBe(6);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );
    await screenshot(page, 'dashboard-360');
    await expectNoSeriousViolations(page);
    await page.close();
  });

  it('is reached from the site menu', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Vaccination dashboard' })
      .click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Vaccination dashboard');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.close();
  });

  it('is in Hindi when Hindi is chosen', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/dashboard`);
    await page.getByTestId('language').selectOption('hi');
    await expect.poll(() => page.locator('h1').textContent()).toBe('टीकाकरण डैशबोर्ड');
    await expect
      .poll(() =>
        page
          .getByRole('table', { name: 'टीके के अनुसार खुराकें: संख्याएँ' })
          .locator('td')
          .first()
          .textContent(),
      )
      .toBe('नहीं दिखाया गया');
    await screenshot(page, 'dashboard-hindi');
    await expectNoSeriousViolations(page);
    await page.close();
  });
});
