import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { indiaDate } from '../../server/modules/facilities/dates.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { givenFacilities } from '../helpers/facilities.js';
import { listen } from '../helpers/server.js';
import { expectNoSeriousViolations } from '../helpers/web.js';

describe.runIf(browserAvailable)('public availability search in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let url: string;
  const today = indiaDate(new Date());
  const inTwoDays = indiaDate(new Date(), 2);

  beforeAll(async () => {
    t = await testApp();
    url = await listen(t);
    const given = givenFacilities(t.database.db, t.app.facilities.service);
    const free = await given.centre({ name: 'UPHC Jayanagar', pincode: 560041 });
    await given.session(free, today, { capacity_dose1: 40, capacity_dose2: 0 });
    await given.session(free, inTwoDays, { min_age_limit: 45, capacity_dose2: 12 });
    const paid = await given.centre({
      name: 'Apollo Clinic Koramangala',
      pincode: 560034,
      fee_type: 'Paid',
      vaccine_fees: [{ vaccine: 'COVAXIN', fee: 1410 }],
    });
    await given.session(paid, today, { vaccine: 'COVAXIN', capacity_dose2: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  const centres = (page: Page) => page.getByTestId('centre').locator('h3').allTextContents();

  /** Karnataka, then BBMP: the district choice starts the search. */
  async function chooseBbmp(page: Page) {
    await page.goto(url);
    await page.getByLabel('State').selectOption({ label: 'Karnataka' });
    await expect
      .poll(() => page.getByLabel('District').locator('option').count())
      .toBeGreaterThan(30);
    await page.getByLabel('District').selectOption({ label: 'BBMP' });
  }

  async function byDistrict(page: Page) {
    await chooseBbmp(page);
    await page.getByTestId('centre').first().waitFor();
  }

  it('shows 7 days of a district on a 360 px phone, filters by vaccine, fee, age and dose, with no serious accessibility issue', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await byDistrict(page);
    expect((await centres(page)).sort()).toEqual(['Apollo Clinic Koramangala', 'UPHC Jayanagar']);
    const jayanagar = page.getByTestId('centre').filter({ hasText: 'UPHC Jayanagar' });
    expect(await jayanagar.locator('.day').count()).toBe(7);
    expect(await jayanagar.getByTestId(`day-${today}`).textContent()).toContain('Dose 1: 40');
    expect(await jayanagar.getByTestId(`day-${inTwoDays}`).textContent()).toContain('Age 45+');
    expect(await jayanagar.getByTestId(`day-${indiaDate(new Date(), 1)}`).textContent()).toContain(
      'No session',
    );
    expect(await page.getByTestId('centre').filter({ hasText: 'Apollo' }).textContent()).toContain(
      '₹1410',
    );
    await screenshot(page, 'availability-360');
    await expectNoSeriousViolations(page);

    await page.getByLabel('Vaccine').selectOption('COVAXIN');
    expect(await centres(page)).toEqual(['Apollo Clinic Koramangala']);
    await page.getByLabel('Vaccine').selectOption('any');
    await page.getByLabel('Fee').selectOption('Free');
    expect(await centres(page)).toEqual(['UPHC Jayanagar']);
    await page.getByLabel('Age group').selectOption('45');
    expect(await jayanagar.getByTestId(`day-${today}`).textContent()).toContain('No session');
    expect(await jayanagar.getByTestId(`day-${inTwoDays}`).textContent()).toContain('Age 45+');
    await page.getByLabel('Age group').selectOption('18');
    await page.getByLabel('Dose', { exact: true }).selectOption('2');
    await page.getByTestId('no-matches').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    expect(await centres(page)).toHaveLength(2);
    await page.close();
  });

  it('searches by PIN code, says so plainly when there is nothing, and checks the PIN before asking', async () => {
    const page = await browser.newPage();
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('calendarByPin')) asked.push(request.url());
    });
    await page.goto(url);
    await page.getByRole('button', { name: 'PIN code' }).click();
    const pin = page.getByRole('textbox', { name: 'PIN code' });
    await pin.fill('012345');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('6-digit PIN code');
    expect(asked).toEqual([]);

    await pin.fill('560041');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('centre').first().waitFor();
    expect(await centres(page)).toEqual(['UPHC Jayanagar']);
    expect(asked).toHaveLength(1);

    await pin.fill('110001');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('no-centres').waitFor();
    await page.close();
  });

  it('says when the search failed and lets the user try again', async () => {
    const page = await browser.newPage();
    let fail = true;
    await page.route(/calendarByDistrict/, (route) =>
      fail
        ? route.fulfill({
            status: 429,
            contentType: 'application/problem+json',
            body: '{"code":"rate-limited","detail":"Too many searches"}',
          })
        : route.continue(),
    );
    await chooseBbmp(page);
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 })
      .toContain('Too many searches');
    fail = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('centre').first().waitFor();
    await page.close();
  });

  it('shows availability in Hindi', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(url);
    await page.getByTestId('language').selectOption('hi');
    await page.getByLabel('राज्य').selectOption({ label: 'Karnataka' });
    await expect
      .poll(() => page.getByLabel('ज़िला', { exact: true }).locator('option').count())
      .toBeGreaterThan(30);
    await page.getByLabel('ज़िला', { exact: true }).selectOption({ label: 'BBMP' });
    await page.getByTestId('centre').first().waitFor();
    const jayanagar = page.getByTestId('centre').filter({ hasText: 'UPHC Jayanagar' });
    expect(await jayanagar.getByTestId(`day-${today}`).textContent()).toContain('खुराक 1: 40');
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe(
      '7 दिनों की उपलब्धता',
    );
    await screenshot(page, 'availability-hindi-360');
    await page.close();
  });
});
