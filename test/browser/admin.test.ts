import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { manualClock } from '../../server/platform/clock.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import {
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
} from '../helpers/partners.js';
import { listen } from '../helpers/server.js';
import { auditRows, type Session, staffClient, type TestClock, totp } from '../helpers/staff.js';
import { expectNoSeriousViolations } from '../helpers/web.js';

const PUBLIC_PROBE = '/api/v2/admin/location/states';

describe.runIf(browserAvailable)('national admin screens in a real browser', () => {
  let t: TestApp;
  let clock: TestClock;
  let browser: Browser;
  let url: string;
  let staff: ReturnType<typeof staffClient>;
  let root: Session;

  beforeAll(async () => {
    clock = manualClock(new Date());
    t = await testApp({}, { clock });
    url = await listen(t);
    staff = staffClient(t, clock);
    root = await staff.nationalAdmin('root.admin');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  /** Logs in on the page at the next TOTP step (a code is good once). */
  async function logIn(page: Page, who: Pick<Session, 'username' | 'password' | 'secret'>) {
    clock.advance(30_000);
    await page.goto(`${url}/staff`);
    await page.getByLabel('Username').fill(who.username);
    await page.getByLabel('Password', { exact: true }).fill(who.password);
    await page.getByLabel('Authenticator code (6 digits)').fill(totp(who.secret, clock));
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByTestId('grants').waitFor();
  }

  /** A code for the next step-up: the next 30-second step, since each code is good once. */
  function freshCode(who: Session): string {
    clock.advance(30_000);
    return totp(who.secret, clock);
  }

  const killSwitch = (page: Page) => page.getByRole('region', { name: 'Kill switch' });

  it('is not shown to staff without the national admin role', async () => {
    const district = await staff.member(root, 'dist.kavya', [
      { role: 'district-admin', district_id: 294 },
    ]);
    const page = await browser.newPage();
    await logIn(page, district);
    expect(await page.getByRole('heading', { name: 'Kill switch' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: /Force a password reset/ }).count()).toBe(0);
    await page.close();
  });

  it('switches the public APIs off with a reason and step-up, refuses a wrong code, and switches them back on, on a 360 px phone', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await logIn(page, root);
    const panel = killSwitch(page);
    await expect
      .poll(() => page.getByTestId('kill-switch-state').textContent())
      .toBe('Every API is on.');
    await screenshot(page, 'admin-national-360');
    await expectNoSeriousViolations(page);

    await panel.getByLabel('API').selectOption('public');
    // No reason: caught on the page, nothing sent.
    await panel.getByLabel('Fresh authenticator code').fill(freshCode(root));
    await panel.getByRole('button', { name: 'Switch off' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('at least 3');

    // A wrong code: the server refuses the step-up and the API stays on.
    await panel
      .getByLabel('Reason', { exact: true })
      .fill('public API enumeration under investigation');
    await panel.getByLabel('Fresh authenticator code').fill('000000');
    await panel.getByRole('button', { name: 'Switch off' }).click();
    await expect
      .poll(() => panel.getByRole('alert').textContent())
      .toContain('wrong or already used');
    expect((await t.app.inject({ url: PUBLIC_PROBE })).statusCode).toBe(200);

    await panel.getByLabel('Fresh authenticator code').fill(freshCode(root));
    await panel.getByRole('button', { name: 'Switch off' }).click();
    await expect
      .poll(() => panel.getByRole('status').textContent())
      .toBe('public is switched off.');
    const table = page.getByTestId('kill-switch-state');
    expect(await table.getByRole('cell').allTextContents()).toEqual(
      expect.arrayContaining(['public', 'public API enumeration under investigation']),
    );
    // In force at once, on the real HTTP API, and recorded with its reason.
    const refused = await fetch(`${url}${PUBLIC_PROBE}`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe('api-switched-off');
    const engaged = await auditRows(t.database.db, 'kill-switch.engage');
    expect(engaged.at(-1)).toMatchObject({
      actor_id: root.id,
      subject_id: 'public',
      reason: 'public API enumeration under investigation',
    });
    await screenshot(page, 'admin-kill-switch-off-360');
    await expectNoSeriousViolations(page);

    // A reload shows the state from the server.
    await page.reload();
    await expect
      .poll(() => page.getByTestId('kill-switch-state').textContent())
      .toContain('public API enumeration under investigation');

    await panel.getByLabel('API').selectOption('public');
    await panel.getByLabel('Reason', { exact: true }).fill('enumeration blocked at the edge');
    await panel.getByLabel('Fresh authenticator code').fill(freshCode(root));
    await panel.getByRole('button', { name: 'Switch back on' }).click();
    await expect
      .poll(() => panel.getByRole('status').textContent())
      .toBe('public is switched back on.');
    await expect
      .poll(() => page.getByTestId('kill-switch-state').textContent())
      .toBe('Every API is on.');
    expect((await fetch(`${url}${PUBLIC_PROBE}`)).status).toBe(200);
    expect((await auditRows(t.database.db, 'kill-switch.release')).at(-1)).toMatchObject({
      actor_id: root.id,
      subject_id: 'public',
      reason: 'enumeration blocked at the edge',
    });
    await page.close();
  });

  it('shows the national admin screens in Hindi', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await logIn(page, root);
    await page.getByTestId('language').selectOption('hi');
    await page.getByRole('region', { name: 'किल स्विच' }).waitFor();
    // Kill switch, forced reset, key rotation, a new partner client (national admins manage
    // partners too) and a new staff account.
    expect(await page.getByLabel('नया ऑथेंटिकेटर कोड').count()).toBe(5);
    await screenshot(page, 'admin-national-hindi-360');
    await expectNoSeriousViolations(page);
    await page.getByTestId('language').selectOption('en');
    await page.close();
  });

  it('forces a password reset for all staff after confirmation and step-up; every session ends and the next login re-enrols', async () => {
    const member = await staff.member(root, 'vax.ritu', [{ role: 'vaccinator', district_id: 294 }]);
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await logIn(page, root);
    const panel = page.getByRole('region', { name: 'Force a password reset for all staff' });
    // Not confirmed: nothing is sent, the member's session still works.
    await panel.getByLabel('Fresh authenticator code').fill(freshCode(root));
    await panel.getByRole('button', { name: 'Force reset for all staff' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('Tick the box');
    const before = await t.app.inject({ url: '/api/v1/staff/auth/me', headers: member.headers });
    expect(before.statusCode).toBe(200);

    await panel.getByLabel(/I understand every staff member/).check();
    await panel.getByLabel('Fresh authenticator code').fill(freshCode(root));
    await panel.getByRole('button', { name: 'Force reset for all staff' }).click();
    const done = await page.getByTestId('force-reset-done').textContent();
    // root.admin, dist.kavya and vax.ritu (and the earlier tests' sessions end with them).
    expect(done).toMatch(
      /^3 accounts must set a new password and second factor; \d+ sessions ended/,
    );
    await screenshot(page, 'admin-force-reset-360');
    await expectNoSeriousViolations(page);

    const after = await t.app.inject({ url: '/api/v1/staff/auth/me', headers: member.headers });
    expect(after.statusCode).toBe(401);
    expect((await auditRows(t.database.db, 'staff.force-reset')).at(-1)).toMatchObject({
      actor_id: root.id,
      outcome: 'allowed',
    });
    // The admin's own session ended too: a reload is the login page.
    await page.reload();
    await page.getByRole('heading', { name: 'Staff login' }).waitFor();
    // And the next login, the admin's own, goes to enrolment.
    clock.advance(30_000);
    await page.getByLabel('Username').fill(root.username);
    await page.getByLabel('Password', { exact: true }).fill(root.password);
    await page.getByLabel('Authenticator code (6 digits)').fill(totp(root.secret, clock));
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByTestId('totp-secret').waitFor();
    expect(new URL(page.url()).pathname).toBe('/staff/enrol');
    await page.close();
  });
});

describe.runIf(browserAvailable)('partner manager screen in a real browser', () => {
  let t: PartnerTestApp;
  let browser: Browser;
  let url: string;
  let manager: Session;
  let root: Session;

  beforeAll(async () => {
    t = await partnerTestApp();
    url = await listen(t);
    root = await t.staff.nationalAdmin('root.partners');
    manager = await t.staff.member(root, 'pm.neha', [{ role: 'partner-manager' }]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  const tokenFor = (client_id: string, client_secret: string) =>
    partnerToken(t, { client_id, client_secret, name: '' });

  it('creates a client with its secret shown once, suspends and reinstates it, and rotates the secret, on a 360 px phone', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    t.clock.advance(30_000);
    await page.goto(`${url}/staff`);
    await page.getByLabel('Username').fill(manager.username);
    await page.getByLabel('Password', { exact: true }).fill(manager.password);
    await page.getByLabel('Authenticator code (6 digits)').fill(totp(manager.secret, t.clock));
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Partner clients' });
    await expect
      .poll(() => panel.getByTestId('partner-clients').textContent())
      .toBe('No partner clients yet.');
    // A partner manager is not a national admin.
    expect(await page.getByRole('region', { name: 'Kill switch' }).count()).toBe(0);
    const form = panel.getByRole('form', { name: 'New partner client' });
    const actions = panel.getByRole('form', { name: 'Suspend, reinstate or rotate a secret' });
    const code = () => {
      t.clock.advance(30_000);
      return totp(manager.secret, t.clock);
    };

    await form.getByLabel('Name').fill('Health App 480213');
    await form
      .getByLabel('Purpose (what the client uses Teeka for)')
      .fill('Shows vaccination status to employers with consent');
    await form.getByLabel('Contact e-mail').fill('security@healthapp.example');
    await form.getByLabel('availability:read').check();
    await form.getByLabel('certificate:verify').check();
    // Host bits set: the server refuses it in plain words and creates nothing.
    await form.getByLabel('Allowed addresses').fill('10.0.0.1/8');
    await form.getByLabel('Fresh authenticator code').fill(code());
    await form.getByRole('button', { name: 'Create client' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/10\.0\.0\.0\/8/);
    expect(
      (
        await t.app.inject({ url: '/api/v1/admin/partners/clients', headers: manager.headers })
      ).json<{ clients: unknown[] }>().clients,
    ).toEqual([]);

    await form.getByLabel('Allowed addresses').fill('127.0.0.0/8\n2001:db8::/32');
    await form.getByLabel('Fresh authenticator code').fill(code());
    await form.getByRole('button', { name: 'Create client' }).click();
    const secret = (await panel.getByTestId('client-secret').textContent()) ?? '';
    expect(secret).toMatch(/^pcs_[A-Za-z0-9_-]{43}$/);
    const listed = panel.getByTestId('partner-clients');
    await expect.poll(() => listed.textContent()).toContain('Health App 480213');
    const clientId = (await listed.locator('code').textContent()) ?? '';
    expect(await listed.textContent()).toContain('127.0.0.0/8, 2001:db8::/32');
    expect(await listed.textContent()).toContain('60 a minute, 10000 a day');
    // The secret on the screen is the real one.
    await tokenFor(clientId, secret);
    await screenshot(page, 'admin-partner-secret-360');
    await expectNoSeriousViolations(page);

    // Shown once: gone when dismissed, and not there after a reload.
    await panel.getByRole('button', { name: 'I have saved the secret' }).click();
    expect(await panel.getByTestId('client-secret').count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByTestId('partner-clients').textContent()).toContain(clientId);
    expect(await page.content()).not.toContain(secret);

    await actions.getByLabel('Reason', { exact: true }).fill('unusual traffic from this client');
    await actions.getByLabel('Fresh authenticator code').fill(code());
    await actions.getByRole('button', { name: 'Suspend', exact: true }).click();
    await expect
      .poll(() => actions.getByRole('status').textContent())
      .toBe('Health App 480213 is suspended.');
    await expect
      .poll(() => listed.textContent())
      .toContain('Suspended: unusual traffic from this client');
    await expect(tokenFor(clientId, secret)).rejects.toThrow();

    await actions.getByLabel('Reason', { exact: true }).fill('traffic explained by the partner');
    await actions.getByLabel('Fresh authenticator code').fill(code());
    await actions.getByRole('button', { name: 'Reinstate' }).click();
    await expect.poll(() => listed.textContent()).toContain('Active');
    await tokenFor(clientId, secret);

    await actions.getByLabel('Fresh authenticator code').fill(code());
    await actions.getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(() => panel.getByTestId('client-secret').textContent()).not.toBe(secret);
    const rotated = (await panel.getByTestId('client-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^pcs_/);
    await expect(tokenFor(clientId, secret)).rejects.toThrow();
    await tokenFor(clientId, rotated);
    await page.close();
  });

  it('switches one partner client off and back on: only that client is refused, on the real API', async () => {
    const [target, other] = [await registerClient(t, root), await registerClient(t, root)];
    const availability = async (client: typeof target) =>
      fetch(`${url}/api/v1/partners/availability/findByDistrict?district_id=294&date=02-03-2026`, {
        headers: { authorization: `Bearer ${await partnerToken(t, client)}` },
      });
    expect((await availability(target)).status).toBe(200);

    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    t.clock.advance(30_000);
    await page.goto(`${url}/staff`);
    await page.getByLabel('Username').fill(root.username);
    await page.getByLabel('Password', { exact: true }).fill(root.password);
    await page.getByLabel('Authenticator code (6 digits)').fill(totp(root.secret, t.clock));
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Kill switch' });
    const choice = `Partner client ${target.name} (${target.client_id})`;
    const states = page.getByTestId('kill-switch-targets');
    await expect
      .poll(() => states.getByRole('row', { name: choice }).textContent())
      .toBe(`${choice}On`);

    const step = async (button: string) => {
      await panel.getByLabel('API').selectOption({ label: choice });
      await panel.getByLabel('Reason', { exact: true }).fill('client under investigation');
      t.clock.advance(30_000);
      await panel.getByLabel('Fresh authenticator code').fill(totp(root.secret, t.clock));
      await panel.getByRole('button', { name: button }).click();
    };
    await step('Switch off');
    await expect
      .poll(() => states.getByRole('row', { name: choice }).textContent())
      .toBe(`${choice}Switched off`);
    const refused = await availability(target);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe('api-switched-off');
    expect((await availability(other)).status).toBe(200);
    await screenshot(page, 'admin-kill-switch-client-360');
    await expectNoSeriousViolations(page);

    await step('Switch back on');
    await expect
      .poll(() => states.getByRole('row', { name: choice }).textContent())
      .toBe(`${choice}On`);
    expect((await availability(target)).status).toBe(200);
    await page.close();
  });
});
