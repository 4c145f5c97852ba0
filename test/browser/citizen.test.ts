import { readFile } from 'node:fs/promises';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { indiaDate } from '../../server/modules/facilities/dates.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { AADHAAR, bearer, type CitizenTestApp, citizenTestApp } from '../helpers/citizen.js';
import { givenFacilities } from '../helpers/facilities.js';
import { listen } from '../helpers/server.js';
import { citizenLogIn, citizenToken, expectNoSeriousViolations } from '../helpers/web.js';

const cowin = (iso: string) => iso.split('-').reverse().join('-');

describe.runIf(browserAvailable)('citizen portal in a real browser', () => {
  let t: CitizenTestApp;
  let browser: Browser;
  let url: string;
  const today = indiaDate(new Date());
  const tomorrow = indiaDate(new Date(), 1);
  let centreName: string;

  /** The OTP of the latest SMS to `mobile`, once the app has written it (after its answer). */
  async function otpFor(mobile: string): Promise<string> {
    await expect.poll(() => t.outbox.lastOtp(mobile).catch(() => '')).toMatch(/^\d{6}$/);
    return t.outbox.lastOtp(mobile);
  }

  beforeAll(async () => {
    t = await citizenTestApp();
    url = await listen(t);
    const given = givenFacilities(t.database.db, t.app.facilities.service);
    const centre = await given.centre({ name: 'UPHC Jayanagar', pincode: 560041 });
    centreName = 'UPHC Jayanagar';
    await given.session(centre, today, { slots: ['09:00AM-11:00AM', '11:00AM-01:00PM'] });
    await given.session(centre, tomorrow, { slots: ['01:00PM-03:00PM'] });
    expect(centre).toBeGreaterThan(0);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  const logIn = (page: Page, mobile: string) => citizenLogIn(page, url, t.outbox, mobile);
  const token = citizenToken;

  it('logs in with the OTP from the SMS, adds members up to 4, books, downloads the slip, reschedules, cancels, shows who accessed the data and logs out', async () => {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    await page.goto(`${url}/citizen`);
    await expectNoSeriousViolations(page);
    await screenshot(page, 'citizen-login-360');
    await logIn(page, '9876502001');
    expect(await page.getByTestId('member').count()).toBe(0);

    // Add a member through the form.
    await page.getByRole('button', { name: 'Add a member' }).click();
    await page.getByLabel('Full name, as on the photo ID').fill('Meera Iyer');
    await page.getByLabel('Year of birth').fill('1990');
    await page.getByLabel('Gender').selectOption({ label: 'Female' });
    await page.getByLabel('Photo ID type').selectOption({ label: 'Aadhaar Card' });
    await page.getByLabel('Photo ID number').fill(AADHAAR[6] ?? '');
    await page.getByRole('button', { name: 'Add member', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('Tick the box');
    await page.getByLabel('I agree').check();
    await page.getByRole('button', { name: 'Add member', exact: true }).click();
    await expect.poll(() => page.getByTestId('done').textContent()).toBe('Meera Iyer was added.');
    const meera = page.getByTestId('member').filter({ hasText: 'Meera Iyer' });
    // The photo ID is shown masked, as the server sends it.
    expect(await meera.textContent()).not.toContain(AADHAAR[6]);

    // Three more over the API, then a reload: the login survives it, and the fifth is refused.
    for (const [i, name] of ['Arjun Iyer', 'Kavya Iyer', 'Ravi Iyer'].entries()) {
      const added = await t.app.inject({
        method: 'POST',
        url: '/api/v2/registration/beneficiary/new',
        headers: bearer(await token(page)),
        payload: {
          name,
          birth_year: '1985',
          gender_id: 1,
          photo_id_type: 12,
          photo_id_number: `CTZ100000${String(i)}`,
          comorbidity_ind: 'N',
          consent_version: 'V1',
        },
      });
      expect(added.statusCode).toBe(200);
    }
    await page.reload();
    await expect.poll(() => page.getByTestId('member').count()).toBe(4);
    expect(await page.getByRole('button', { name: 'Add a member' }).isDisabled()).toBe(true);
    expect(await page.locator('#members-limit').textContent()).toContain('4 people are registered');

    // Book.
    await meera.getByRole('button', { name: 'Book a slot' }).click();
    await page.getByRole('textbox', { name: 'PIN code' }).fill('560041');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page
      .getByRole('button', { name: `Book 09:00AM-11:00AM on ${cowin(today)} at ${centreName}` })
      .click();
    expect(await page.getByTestId('pick-summary').textContent()).toContain(centreName);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => page.getByTestId('done').textContent())
      .toMatch(/^Booked\. Confirmation number: \S+\.$/);
    const appointment = meera.getByTestId('appointment');
    await expect.poll(() => appointment.textContent()).toContain(cowin(today));
    expect(await appointment.textContent()).toContain('09:00AM-11:00AM');
    await screenshot(page, 'citizen-account-360');
    await expectNoSeriousViolations(page);

    // Download the slip.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      appointment.getByRole('button', { name: 'Download appointment slip' }).click(),
    ]);
    const pdf = await readFile(await download.path());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // Reschedule to tomorrow.
    await appointment.getByRole('button', { name: 'Reschedule' }).click();
    await page.getByRole('textbox', { name: 'PIN code' }).fill('560041');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page
      .getByRole('button', { name: `Book 01:00PM-03:00PM on ${cowin(tomorrow)} at ${centreName}` })
      .click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => page.getByTestId('done').textContent())
      .toBe('The appointment was moved.');
    await expect.poll(() => appointment.textContent()).toContain(cowin(tomorrow));

    // Cancel, after saying yes.
    await appointment.getByRole('button', { name: 'Cancel appointment' }).click();
    await appointment.getByRole('button', { name: 'Keep it' }).click();
    expect(await appointment.count()).toBe(1);
    await appointment.getByRole('button', { name: 'Cancel appointment' }).click();
    await appointment.getByRole('button', { name: 'Yes, cancel it' }).click();
    await expect.poll(() => appointment.count()).toBe(0);
    expect(await meera.getByRole('button', { name: 'Book a slot' }).count()).toBe(1);

    // Who accessed my data: the citizen's own booking, moving and cancelling are on it.
    await page.getByRole('button', { name: 'Show who accessed my data' }).click();
    const log = page.getByTestId('access-entry').filter({ hasText: 'Meera Iyer' });
    await log.locator('table').waitFor();
    expect(await log.locator('tbody tr').count()).toBeGreaterThan(0);
    await expectNoSeriousViolations(page);

    // Log out: the page forgets the token and the server refuses it.
    const old = await token(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe('You have logged out.');
    expect(await token(page)).toBe('');
    const refused = await t.app.inject({
      method: 'GET',
      url: '/api/v2/appointment/beneficiaries',
      headers: bearer(old),
    });
    expect(refused.statusCode).toBe(401);
    await context.close();
  });

  it('says plainly when the OTP is wrong or the number is not a mobile number', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/citizen`);
    await page.getByLabel('Mobile number', { exact: true }).fill('12345');
    await page.getByRole('button', { name: 'Get OTP' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('10-digit mobile');
    await page.getByLabel('Mobile number', { exact: true }).fill('9876502002');
    await page.getByRole('button', { name: 'Get OTP' }).click();
    await page.getByLabel('OTP (6 digits)').waitFor();
    const right = await otpFor('9876502002');
    const wrong = right === '000000' ? '111111' : '000000';
    await page.getByLabel('OTP (6 digits)').fill(wrong);
    await page.getByRole('button', { name: 'Verify and log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not right');
    await page.close();
  });

  it('warns before the login ends and ends it on the page when it has', async () => {
    const page = await browser.newPage();
    await page.clock.install();
    await logIn(page, '9876502003');
    expect(await page.getByTestId('session-warning').count()).toBe(0);
    // The citizen token lives 15 minutes (TEEKA_CITIZEN_TOKEN_TTL_SECONDS default).
    await page.clock.fastForward('14:00');
    await expect
      .poll(() => page.getByTestId('session-warning').textContent())
      .toContain('Your login ends in about');
    await page.clock.fastForward('01:30');
    await page.getByRole('heading', { name: 'Log in with your mobile number' }).waitFor();
    expect(await page.getByRole('status').first().textContent()).toBe(
      'Your login has ended. Please log in again.',
    );
    await page.close();
  });

  it('speaks Hindi on the account page', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await logIn(page, '9876502004');
    await page.getByTestId('language').selectOption('hi');
    await expect.poll(() => page.locator('h1').textContent()).toBe('मेरा खाता');
    expect(await page.getByRole('button', { name: 'लॉग आउट' }).count()).toBe(1);
    await page.getByRole('button', { name: 'सदस्य जोड़ें' }).click();
    await page
      .getByLabel('लिंग')
      .locator('option', { hasText: 'महिला' })
      .waitFor({ state: 'attached' });
    await screenshot(page, 'citizen-hindi-360');
    await expectNoSeriousViolations(page);
    await page.close();
  });
});
