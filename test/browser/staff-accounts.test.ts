import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { linkToken, type Session, totp } from '../helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../helpers/vaccinations.js';
import { expectNoSeriousViolations, staffLogIn } from '../helpers/web.js';

interface Account {
  status: string;
  grants: { role: string; district_id: number | null; center_id: number | null }[];
}

describe.runIf(browserAvailable)('the district admin screens in a real browser', () => {
  let w: VaccinationWorld;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    w = await vaccinationWorld('98462');
    url = await listen(w.t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.close();
  });

  /** A code for the next step-up: the next 30-second step, since each code is good once. */
  function freshCode(who: Session): string {
    w.clock.advance(30_000);
    return totp(who.secret, w.clock);
  }

  async function signedIn(who: Session): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await staffLogIn(page, url, who, w.clock);
    return page;
  }

  const account = async (id: string) =>
    (
      await w.t.app.inject({ url: `/api/v1/staff/accounts/${id}`, headers: w.bbmp.headers })
    ).json<Account>();

  /** A login over HTTP with the password and the authenticator code of the next step. */
  function logInOverHttp(username: string, password: string, secret: string) {
    w.clock.advance(30_000);
    return w.staff.post('/api/v1/staff/auth/login', {
      username,
      password,
      code: totp(secret, w.clock),
      mode: 'bearer',
    });
  }

  const expectStatus = (form: Locator, text: string) =>
    expect.poll(() => form.getByRole('status').textContent()).toBe(text);

  it('a district admin creates an account (its link shown once), grants and removes a role, disables it, issues new credentials and unlocks it; other districts’ accounts stay out of reach', async () => {
    const page = await signedIn(w.bbmp);
    const panel = page.getByRole('region', { name: 'Staff accounts' });
    const table = panel.getByTestId('staff-accounts');
    await expect
      .poll(() => table.locator('tbody th').allTextContents())
      .toEqual(expect.arrayContaining(['verifier.a', 'vax.a']));
    // Accounts of district 265 are not listed.
    expect(await table.textContent()).not.toContain('verifier.b');
    expect(await table.textContent()).not.toContain('vax.b');
    await expectNoSeriousViolations(page);

    const create = panel.getByRole('form', { name: 'New account' });
    await create.getByLabel('Login name').fill('asha.vax');
    await create.getByLabel('Role').selectOption('vaccinator');
    expect(await create.getByLabel('District ID').inputValue()).toBe('294');
    await create.getByRole('button', { name: 'Create account' }).click();
    await expect
      .poll(() => create.getByRole('alert').textContent())
      .toBe('Enter the 6-digit code from your authenticator app.');
    await create.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await create.getByRole('button', { name: 'Create account' }).click();
    const shown = panel.getByTestId('enrolment-link');
    await shown.waitFor();
    const firstLink = (await shown.textContent()) ?? '';
    expect(firstLink).toMatch(/\/staff\/enrol#[\w-]{20,}$/);
    expect(await panel.getByRole('status').first().textContent()).toContain(
      'The enrolment link of asha.vax',
    );
    await expect
      .poll(() => table.getByRole('row', { name: /asha\.vax/ }).textContent())
      .toContain('Waiting for enrolment');
    await screenshot(page, 'staff-accounts-link-360');
    await expectNoSeriousViolations(page);
    await panel.getByRole('button', { name: 'I have passed the link on' }).click();
    expect(await shown.count()).toBe(0);
    await page.reload();
    await table.waitFor();
    expect(await shown.count()).toBe(0);

    // The same name again: refused in plain words.
    await create.getByLabel('Login name').fill('Asha.Vax');
    await create.getByLabel('Role').selectOption('vaccinator');
    await create.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await create.getByRole('button', { name: 'Create account' }).click();
    await expect
      .poll(() => create.getByRole('alert').textContent())
      .toBe('That login name is taken. Choose another.');

    // The link, exactly as shown, enrols the account: it logs in.
    const password = 'asha walks to the clinic at dawn';
    const secret = await w.staff.enrol(linkToken(firstLink), password);
    const asha = await w.staff.login('asha.vax', password, secret);

    await panel.getByRole('button', { name: 'Manage asha.vax' }).click();
    const roles = panel.getByRole('form', { name: 'Roles of asha.vax' });
    await roles.getByLabel('Role', { exact: true }).selectOption('verifier');
    await roles.getByLabel('Held in').selectOption('centre');
    await roles.getByLabel('Centre ID').fill(String(w.centreA));
    await roles.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await roles.getByRole('button', { name: 'Add role' }).click();
    await expectStatus(roles, `asha.vax now also holds Verifier in centre ${w.centreA}.`);
    expect((await account(asha.id)).grants).toEqual([
      expect.objectContaining({ role: 'vaccinator', district_id: 294, center_id: null }),
      expect.objectContaining({ role: 'verifier', center_id: w.centreA }),
    ]);
    await roles.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await roles.getByRole('button', { name: 'Remove the role Vaccinator in district 294' }).click();
    await expectStatus(roles, 'asha.vax no longer holds Vaccinator in district 294.');
    expect((await account(asha.id)).grants).toEqual([
      expect.objectContaining({ role: 'verifier', center_id: w.centreA }),
    ]);
    // A role another district holds is refused, in plain words, and nothing changes.
    await roles.getByLabel('Role', { exact: true }).selectOption('vaccinator');
    await roles.getByLabel('District ID').fill('265');
    await roles.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await roles.getByRole('button', { name: 'Add role' }).click();
    await expect
      .poll(() => roles.getByRole('alert').textContent())
      .toBe('That is outside your place, or there is no such account or request.');
    expect((await account(asha.id)).grants).toHaveLength(1);

    const signIn = panel.getByRole('form', { name: 'Sign-in of asha.vax' });
    await signIn.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await signIn.getByRole('button', { name: 'Disable account' }).click();
    await expectStatus(signIn, 'asha.vax is disabled and signed out everywhere.');
    await expect
      .poll(() => table.getByRole('row', { name: /asha\.vax/ }).textContent())
      .toContain('Disabled');
    expect((await account(asha.id)).status).toBe('disabled');
    // Its session has ended and it can no longer log in.
    const me = await w.t.app.inject({ url: '/api/v1/staff/auth/me', headers: asha.headers });
    expect(me.statusCode).toBe(401);
    expect((await logInOverHttp('asha.vax', password, secret)).statusCode).toBe(401);

    // New credentials: a new link, and the account is used again once it is opened.
    await signIn.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await signIn.getByRole('button', { name: 'Issue new credentials' }).click();
    await expectStatus(
      signIn,
      'The old credentials of asha.vax no longer work. Give them the new link.',
    );
    const secondLink = (await shown.textContent()) ?? '';
    expect(secondLink).toMatch(/\/staff\/enrol#/);
    expect(secondLink).not.toBe(firstLink);
    await expect
      .poll(() => table.getByRole('row', { name: /asha\.vax/ }).textContent())
      .toContain('Waiting for enrolment');
    await screenshot(page, 'staff-accounts-360');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );
    await expectNoSeriousViolations(page);
    expect((await logInOverHttp('asha.vax', password, secret)).statusCode).toBe(401);
    const newPassword = 'asha has a new password for the clinic';
    const newSecret = await w.staff.enrol(linkToken(secondLink), newPassword);
    expect((await logInOverHttp('asha.vax', newPassword, newSecret)).statusCode).toBe(200);

    // Locked after five wrong passwords; unlocked on the screen, the right one works at once.
    for (let i = 0; i < 5; i++) await logInOverHttp('asha.vax', 'not the password', newSecret);
    expect((await logInOverHttp('asha.vax', newPassword, newSecret)).statusCode).toBe(429);
    await signIn.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await signIn.getByRole('button', { name: 'Unlock login' }).click();
    await expectStatus(signIn, 'asha.vax can try to log in again.');
    expect((await logInOverHttp('asha.vax', newPassword, newSecret)).statusCode).toBe(200);

    // A forged request from this page for an account of district 265 is refused.
    const forged = await page.evaluate(async (id) => {
      const storage = (
        globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }
      ).sessionStorage;
      const headers = { 'x-csrf-token': storage.getItem('teeka.staff.csrf') ?? '' };
      const read = await fetch(`/api/v1/staff/accounts/${id}`);
      const disable = await fetch(`/api/v1/staff/accounts/${id}/disable`, {
        method: 'POST',
        headers,
      });
      const list = await fetch('/api/v1/staff/accounts?district_id=265');
      return [read.status, disable.status, list.status];
    }, w.verifierB.id);
    expect(forged).toEqual([403, 403, 403]);
    const theirs = await w.t.app.inject({
      url: `/api/v1/staff/accounts/${w.verifierB.id}`,
      headers: (await w.relogin(w.urban)).headers,
    });
    expect(theirs.json<Account>().status).toBe('active');

    await page.getByTestId('language').selectOption('hi');
    await page.getByRole('region', { name: 'स्टाफ़ खाते' }).waitFor();
    await expectNoSeriousViolations(page);
    await page.getByTestId('language').selectOption('en');
    await page.close();
  });

  it('a citizen’s correction is approved on the screen and the certificate carries it; another is rejected with a reason the citizen reads', async () => {
    const session = await w.session(w.centreA);
    const citizen = await w.citizen(2);
    const [approvedRef = '', rejectedRef = ''] = citizen.ids;
    expect((await w.book(citizen.token, session, citizen.ids)).statusCode).toBe(200);
    for (const ref of citizen.ids) {
      await w.checkIn(session, ref);
      expect((await w.dose(w.vaccinator, w.doseBody(session, ref))).statusCode).toBe(200);
    }
    const ask = (body: object) =>
      w.t.app.inject({
        method: 'POST',
        url: '/api/v1/me/corrections',
        headers: w.bearer(citizen.token),
        payload: body as Record<string, unknown>,
      });
    const asked = await ask({
      beneficiary_reference_id: approvedRef,
      name: 'Tess Person',
      gender_id: 1,
      reason: 'The name was misspelt at registration',
    });
    expect(asked.statusCode).toBe(201);
    expect(
      (
        await ask({
          beneficiary_reference_id: rejectedRef,
          birth_year: '1975',
          reason: 'My year of birth is 1975',
        })
      ).statusCode,
    ).toBe(201);

    const page = await signedIn(w.bbmp);
    const panel = page.getByRole('region', { name: 'Correction requests' });
    const cards = panel.getByTestId('correction-request');
    await expect.poll(() => cards.count()).toBe(2);
    const first = cards.filter({ hasText: approvedRef });
    expect(
      await first.getByTestId('correction-changes').locator('tbody tr').allTextContents(),
    ).toEqual(['NameT*** P*****T*** P*****', 'GenderFemaleMale']);
    expect(await first.textContent()).toContain('Asks to change: Name, Gender');
    await screenshot(page, 'corrections-360');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );
    await expectNoSeriousViolations(page);

    await first.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await first.getByRole('button', { name: 'Approve' }).click();
    const done = panel.getByRole('status').filter({ hasText: 'correction' });
    await expect
      .poll(() => done.textContent())
      .toMatch(
        /^The correction for T\*\*\* P\*\*\*\*\* is approved: certificate \S+ replaces the old one\.$/,
      );
    await expect.poll(() => cards.count()).toBe(1);

    // The citizen's record and certificate carry the correction.
    const { token } = citizen;
    const certificate = await w.t.app.inject({
      url: `/api/v1/me/certificates/${approvedRef}`,
      headers: w.bearer(token),
    });
    const current = certificate.json<{ certificate_id: string; qr_text: string }>();
    expect(await done.textContent()).toContain(current.certificate_id);
    expect(await w.verify(current.qr_text)).toMatchObject({
      status: 'valid',
      certificate: { name: 'Tess Person' },
    });
    const beneficiaries = await w.t.app.inject({
      url: '/api/v2/appointment/beneficiaries',
      headers: w.bearer(token),
    });
    expect(
      beneficiaries
        .json<{
          beneficiaries: { beneficiary_reference_id: string; name: string; gender: string }[];
        }>()
        .beneficiaries.find((b) => b.beneficiary_reference_id === approvedRef),
    ).toMatchObject({ name: 'Tess Person', gender: 'Male' });

    const second = cards.filter({ hasText: rejectedRef });
    expect(
      await second.getByTestId('correction-changes').locator('tbody tr').allTextContents(),
    ).toEqual(['Year of birth19801975']);
    await second.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await second.getByRole('button', { name: 'Reject' }).click();
    await expect
      .poll(() => second.getByRole('alert').textContent())
      .toBe('Give the citizen a reason of at least 3 characters.');
    await second.getByLabel('Reason for a rejection').fill('The document shows 1980.');
    await second.getByLabel('Fresh authenticator code').fill(freshCode(w.bbmp));
    await second.getByRole('button', { name: 'Reject' }).click();
    await expect
      .poll(() => done.textContent())
      .toBe('The correction for T*** P***** is rejected; the citizen sees your reason.');
    await expect
      .poll(() => panel.getByTestId('corrections-none').textContent())
      .toBe('No correction requests are waiting.');
    await expectNoSeriousViolations(page);

    const mine = await w.t.app.inject({ url: '/api/v1/me/corrections', headers: w.bearer(token) });
    const requests = mine.json<{
      requests: {
        beneficiary_reference_id: string;
        status: string;
        new_certificate_id: string | null;
        decision_reason: string | null;
      }[];
    }>().requests;
    expect(requests.find((r) => r.beneficiary_reference_id === approvedRef)).toMatchObject({
      status: 'approved',
      new_certificate_id: current.certificate_id,
    });
    expect(requests.find((r) => r.beneficiary_reference_id === rejectedRef)).toMatchObject({
      status: 'rejected',
      decision_reason: 'The document shows 1980.',
    });
    const unchanged = await w.t.app.inject({
      url: `/api/v1/me/certificates/${rejectedRef}`,
      headers: w.bearer(token),
    });
    expect(
      unchanged.json<{ credential: { credentialSubject: { yearOfBirth: string } } }>().credential
        .credentialSubject.yearOfBirth,
    ).toBe('1980');

    // The other district's admin sees no screen for district 294 and is refused a decision.
    const refused = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/vaccinations/corrections/${asked.json<{ request_id: string }>().request_id}/approve`,
      headers: (await w.relogin(w.urban)).headers,
    });
    expect(refused.statusCode).toBe(403);
    await page.getByTestId('language').selectOption('hi');
    await page.getByRole('region', { name: 'सुधार के अनुरोध' }).waitFor();
    await expectNoSeriousViolations(page);
    await page.close();
  });
});
