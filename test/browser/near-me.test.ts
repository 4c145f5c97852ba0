import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { indiaDate } from '../../server/modules/facilities/dates.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { givenFacilities } from '../helpers/facilities.js';
import { listen } from '../helpers/server.js';
import { expectNoSeriousViolations } from '../helpers/web.js';

/** Jayanagar, Bengaluru, and a point in Delhi, 1,700 km away from every test centre. */
const JAYANAGAR = { latitude: 12.9259, longitude: 77.5936 };
const DELHI = { latitude: 28.6139, longitude: 77.209 };

describe.runIf(browserAvailable)('"near me" on the search page in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let url: string;
  const today = indiaDate(new Date());

  beforeAll(async () => {
    t = await testApp();
    url = await listen(t);
    const given = givenFacilities(t.database.db, t.app.facilities.service);
    const near = await given.centre({ name: 'UPHC Jayanagar', lat: 12.93, long: 77.59 });
    await given.session(near, today, { capacity_dose1: 40, capacity_dose2: 0 });
    // 10 km south: listed second, and has no sessions this week.
    await given.centre({ name: 'PHC Anekal Road', lat: 12.84, long: 77.6 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  async function nearMe(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Near me' }).click();
    return page;
  }

  it('asks for the location only when the button is pressed, lists the nearest centres and opens a 7-day calendar, on a 360 px phone', async () => {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      permissions: ['geolocation'],
      geolocation: JAYANAGAR,
    });
    const page = await context.newPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('findByLatLong')) asked.push(r.url());
    });
    await page.goto(url);
    await page.getByRole('button', { name: 'Near me' }).click();
    expect(asked).toEqual([]);
    await page.getByRole('button', { name: 'Find centres near me' }).click();
    const listed = page.getByTestId('nearby-centre');
    await expect
      .poll(() => listed.locator('h3').allTextContents())
      .toEqual(['UPHC Jayanagar', 'PHC Anekal Road']);
    expect(asked).toHaveLength(1);
    expect(new URL(asked[0] as string).searchParams.get('lat')).toBe('12.9259');
    expect(await page.getByRole('heading', { name: '2 centres near you' }).count()).toBe(1);
    expect(await listed.first().textContent()).toMatch(/\d(\.\d)? km away/);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );
    await expectNoSeriousViolations(page);

    await page.getByRole('button', { name: 'Availability at UPHC Jayanagar' }).click();
    const centre = page.getByTestId('centre');
    await expect.poll(() => centre.locator('h3').allTextContents()).toEqual(['UPHC Jayanagar']);
    expect(await centre.textContent()).toContain('40');
    await screenshot(page, 'near-me-360');
    await expectNoSeriousViolations(page);

    await page.getByRole('button', { name: 'Availability at PHC Anekal Road' }).click();
    await expect
      .poll(() => page.getByTestId('no-centres').textContent())
      .toBe('This centre has no sessions in these 7 days. Try the next week or another centre.');
    await context.close();
  });

  it('says in plain words that the location was refused, and calls no API', async () => {
    const context = await browser.newContext({ geolocation: JAYANAGAR });
    await context.clearPermissions();
    const page = await nearMe(context);
    let asked = false;
    page.on('request', (r) => {
      if (r.url().includes('findByLatLong')) asked = true;
    });
    await page.getByRole('button', { name: 'Find centres near me' }).click();
    await expect
      .poll(() => page.getByTestId('near-me-problem').textContent())
      .toMatch(/^You did not allow this site to see your location/);
    expect(asked).toBe(false);
    expect(await page.getByTestId('nearby-centre').count()).toBe(0);
    await expectNoSeriousViolations(page);
    await context.close();
  });

  it('says so when no centre is within 50 km', async () => {
    const context = await browser.newContext({ permissions: ['geolocation'], geolocation: DELHI });
    const page = await nearMe(context);
    await page.getByRole('button', { name: 'Find centres near me' }).click();
    await expect
      .poll(() => page.getByTestId('near-me-none').textContent())
      .toBe(
        'There are no vaccination centres within 50 km of you. Search by district or PIN code instead.',
      );
    await context.close();
  });

  it('is in Hindi when Hindi is chosen', async () => {
    const context = await browser.newContext({
      permissions: ['geolocation'],
      geolocation: JAYANAGAR,
    });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('language').selectOption('hi');
    await page.getByRole('button', { name: 'मेरे आस-पास', exact: true }).click();
    await page.getByRole('button', { name: 'मेरे आस-पास के केंद्र खोजें' }).click();
    await expect.poll(() => page.locator('#near-me-title').textContent()).toBe('आपके आस-पास 2 केंद्र');
    expect(await page.getByTestId('nearby-centre').first().textContent()).toMatch(/किमी दूर/);
    await screenshot(page, 'near-me-hindi');
    await expectNoSeriousViolations(page);
    await context.close();
  });
});
