import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { manualClock } from '../../server/platform/clock.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { linkToken, staffClient, type TestClock, totp } from '../helpers/staff.js';
import { expectNoSeriousViolations } from '../helpers/web.js';

describe.runIf(browserAvailable)('staff login and enrolment in a real browser', () => {
  let t: TestApp;
  let clock: TestClock;
  let browser: Browser;
  let url: string;
  let staff: ReturnType<typeof staffClient>;
  let root: Awaited<ReturnType<ReturnType<typeof staffClient>['nationalAdmin']>>;
  const PASSWORD = 'a kettle sings by the window at six';

  beforeAll(async () => {
    clock = manualClock(new Date());
    t = await testApp({}, { clock });
    url = await listen(t);
    staff = staffClient(t, clock);
    // The first national admin, made and signed in over the API; the browser's accounts are its.
    root = await staff.nationalAdmin('root.admin');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  /** Completes the enrolment form on the page; returns the TOTP secret it showed. */
  async function enrol(page: Page, password: string): Promise<string> {
    const secret = (await page.getByTestId('totp-secret').textContent())?.replace(/\s/g, '') ?? '';
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('New password again').fill(password);
    await page.getByLabel('Code shown by the authenticator app').fill(totp(secret, clock));
    await page.getByRole('button', { name: 'Finish setting up' }).click();
    await page.getByTestId('enrolled').waitFor();
    return secret;
  }

  async function logIn(page: Page, username: string, password: string, secret: string) {
    // A code is good once: the next login uses the next 30-second step.
    clock.advance(30_000);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Authenticator code (6 digits)').fill(totp(secret, clock));
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
  }

  it('enrols from the one-time link (QR and secret shown, the link leaves the address bar), then logs in with password and TOTP, on a 360 px phone', async () => {
    const created = await staff.post(
      '/api/v1/staff/accounts',
      { username: 'asha.district', grants: [{ role: 'district-admin', district_id: 294 }] },
      root.headers,
    );
    expect(created.statusCode).toBe(201);
    const link = linkToken(created.json<{ enrolmentUrl: string }>().enrolmentUrl);
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${url}/staff/enrol#${link}`);
    await page.getByTestId('totp-secret').waitFor();
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.locator('img.totp-qr').getAttribute('src')).toMatch(
      /^data:image\/png;base64,/,
    );
    await screenshot(page, 'staff-enrol-360');
    await expectNoSeriousViolations(page);

    // Two different passwords are caught on the page; a wrong code is refused by the server.
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('New password again').fill(`${PASSWORD}!`);
    await page.getByLabel('Code shown by the authenticator app').fill('123456');
    await page.getByRole('button', { name: 'Finish setting up' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not the same');
    await page.getByLabel('New password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Finish setting up' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('does not match');

    const secret = await enrol(page, PASSWORD);
    await page.getByRole('link', { name: 'Go to staff login' }).click();
    await page.getByRole('heading', { name: 'Staff login' }).waitFor();
    await expectNoSeriousViolations(page);
    await screenshot(page, 'staff-login-360');

    // A wrong code first: a plain answer, and no session.
    await page.getByLabel('Username').fill('asha.district');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Authenticator code (6 digits)').fill('000000');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('is wrong');

    await logIn(page, 'asha.district', PASSWORD, secret);
    await page.getByRole('heading', { name: 'Staff', exact: true }).waitFor();
    expect(await page.getByTestId('grants').textContent()).toBe('District admin: district 294');
    // The session is an HttpOnly cookie: the page's script cannot read it.
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
      ),
    ).toBe('');
    await page.reload();
    await page.getByRole('heading', { name: 'Staff', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Staff login' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe('You have logged out.');
    await page.reload();
    await page.getByRole('heading', { name: 'Staff login' }).waitFor();

    // The link is spent.
    await page.goto(`${url}/staff/enrol#${link}`);
    await expect
      .poll(() => page.getByTestId('enrol-failed').textContent())
      .toContain('already been used');
    await page.close();
  });

  it('warns before 30 idle minutes end the session, keeps it on request, and ends it on the page after', async () => {
    const admin = await staff.member(root, 'idle.verifier', [
      { role: 'verifier', district_id: 294 },
    ]);
    const page = await browser.newPage();
    await page.clock.install();
    await page.goto(`${url}/staff`);
    await logIn(page, 'idle.verifier', admin.password, admin.secret);
    await page.getByTestId('grants').waitFor();
    await page.clock.fastForward('28:30');
    await page.getByTestId('session-warning').waitFor();
    await page.getByRole('button', { name: 'Stay logged in' }).click();
    await expect.poll(() => page.getByTestId('session-warning').count()).toBe(0);
    await page.clock.fastForward('31:00');
    await page.getByRole('heading', { name: 'Staff login' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('30 minutes without use');
    // The page ended it on the server as well: a reload (same cookie) is not signed in.
    await page.reload();
    await page.getByRole('heading', { name: 'Staff login' }).waitFor();
    await page.close();
  });

  it('shows the staff login in Hindi', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${url}/staff`);
    await page.getByTestId('language').selectOption('hi');
    await expect.poll(() => page.locator('h1').textContent()).toBe('कर्मचारी लॉगिन');
    expect(await page.getByLabel('ऑथेंटिकेटर कोड (6 अंक)').count()).toBe(1);
    await screenshot(page, 'staff-login-hindi-360');
    await expectNoSeriousViolations(page);
    await page.close();
  });
  it('after a forced reset of every account, login leads to the enrolment page and a new secret', async () => {
    const member = await staff.member(root, 'vax.meena', [
      { role: 'vaccinator', district_id: 294 },
    ]);
    clock.advance(30_000);
    const stepUp = await staff.post(
      '/api/v1/staff/auth/step-up',
      { code: totp(root.secret, clock) },
      root.headers,
    );
    expect(stepUp.statusCode).toBe(200);
    const reset = await staff.post('/api/v1/staff/force-reset', { all: true }, root.headers);
    expect(reset.statusCode).toBe(200);

    const page = await browser.newPage();
    await page.goto(`${url}/staff`);
    await logIn(page, 'vax.meena', member.password, member.secret);
    await page.getByTestId('totp-secret').waitFor();
    expect(new URL(page.url()).pathname).toBe('/staff/enrol');
    expect(new URL(page.url()).hash).toBe('');
    const secret = await enrol(page, 'the river bends twice near the old mill');
    expect(secret).not.toBe(member.secret);
    await page.getByRole('link', { name: 'Go to staff login' }).click();
    await logIn(page, 'vax.meena', 'the river bends twice near the old mill', secret);
    await expect.poll(() => page.getByTestId('grants').textContent()).toContain('Vaccinator');
    await page.close();
  });
});
