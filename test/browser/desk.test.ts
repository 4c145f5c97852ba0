import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { AADHAAR } from '../helpers/citizen.js';
import { listen } from '../helpers/server.js';
import type { Session } from '../helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../helpers/vaccinations.js';
import { expectNoSeriousViolations, staffLogIn } from '../helpers/web.js';

describe.runIf(browserAvailable)('the centre desks in a real browser', () => {
  let w: VaccinationWorld;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    w = await vaccinationWorld('98463');
    url = await listen(w.t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.close();
  });

  /** A phone-sized page on the server's clock (the dose time is the device's), signed in. */
  async function signedIn(who: Session): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.clock.setFixedTime(w.clock.now());
    await staffLogIn(page, url, who, w.clock);
    return page;
  }

  const alertOf = (page: Page) => page.getByRole('alert').textContent();

  it('a booked person is found, checked by the last 4 of the photo ID, marked arrived, and vaccinated once when the form is sent again after a lost answer; the certificate is shown', async () => {
    const session = await w.session(w.centreA);
    const { token, ids } = await w.citizen(1);
    const ref = ids[0] ?? '';
    const booked = await w.book(token, session, [ref]);
    expect(booked.statusCode).toBe(200);
    const appointmentId = booked.json<{ appointment_confirmation_no: string }>()
      .appointment_confirmation_no;
    const last4 = await w.last4(ref);

    // The vaccinator first: refused in plain words while the person has not arrived.
    const vax = await signedIn(w.vaccinator);
    const desk = vax.getByTestId(`vaccinator-${w.centreA}`);
    await desk.getByRole('heading', { name: `Vaccinator desk, centre ${w.centreA}` }).waitFor();
    expect(await vax.getByTestId(`verifier-${w.centreA}`).count()).toBe(0);
    expect(await desk.getByLabel('Session').locator('option').textContent()).toContain(
      'COVISHIELD',
    );
    await desk.getByLabel('Reference ID of the person').fill(ref);
    await desk.getByLabel('Batch number').fill('4121z025');
    await desk.getByRole('button', { name: 'Record dose' }).click();
    await expect.poll(() => alertOf(vax)).toContain('has not been marked arrived');
    expect(await w.count('doses')).toBe(0);
    await expectNoSeriousViolations(vax);

    // The verifier: the day's list with the masked name, find by appointment id, ID check.
    const ver = await signedIn(w.verifier);
    const list = ver.getByTestId('day-list');
    await list.waitFor();
    expect(await list.locator('tbody tr').count()).toBe(1);
    expect(await list.locator('tbody tr td').allTextContents()).toEqual([
      'T*** P*****',
      '09:00AM-11:00AM',
      '1',
      'Booked',
      `Open ${ref}`,
    ]);
    expect(await vax.getByTestId(`vaccinator-${w.centreA}`).count()).toBe(1);
    expect(await ver.getByTestId(`vaccinator-${w.centreA}`).count()).toBe(0);
    await ver.getByLabel('Appointment ID').check();
    await ver.getByLabel('ID to find').fill(appointmentId);
    await ver.getByRole('button', { name: 'Find', exact: true }).click();
    const person = ver.getByTestId('expected');
    await person.waitFor();
    expect(await person.locator('dd').allTextContents()).toEqual([
      ref,
      '1980',
      'Female',
      '0',
      '09:00AM-11:00AM, dose 1',
    ]);
    await expectNoSeriousViolations(ver);
    await screenshot(ver, 'desk-verifier-360');

    const idField = person.getByLabel('Last 4 characters of the Voter ID shown');
    await idField.fill(last4 === '0000' ? '0001' : '0000');
    await person.getByRole('button', { name: 'Confirm identity' }).click();
    await expect.poll(() => alertOf(ver)).toContain('do not match');
    await idField.fill(last4);
    await person.getByRole('button', { name: 'Confirm identity' }).click();
    await person.getByRole('button', { name: 'Mark arrived' }).click();
    await expect
      .poll(() => person.getByTestId('arrived').textContent())
      .toContain('Marked arrived');
    await expect.poll(() => list.locator('tbody tr td').nth(3).textContent()).toBe('Arrived');

    // The dose is recorded but its answer is lost on the way; sending the form again a little
    // later (the device clock moved on) replays the first answer: one dose, one certificate.
    const certificatesBefore = await w.count('certificates');
    const keys: string[] = [];
    let replayed: string | null = null;
    await vax.route('**/api/v1/vaccinations/doses', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      const answer = await route.fetch();
      if (keys.length === 1) {
        expect(answer.status()).toBe(200);
        await route.abort('connectionreset');
        return;
      }
      replayed = answer.headers()['idempotent-replayed'] ?? null;
      await route.fulfill({ response: answer });
    });
    await desk.getByRole('button', { name: 'Record dose' }).click();
    await expect.poll(() => alertOf(vax)).toContain('could not be reached');
    expect(await w.count('doses')).toBe(1);
    await vax.clock.setFixedTime(w.clock.now().getTime() + 20_000);
    await desk.getByRole('button', { name: 'Record dose' }).dblclick();
    const shown = desk.getByTestId('dose-recorded');
    await shown.waitFor();
    await vax.unroute('**/api/v1/vaccinations/doses');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(replayed).toBe('true');
    const doses = await w.t.database.db.selectFrom('doses').selectAll().execute();
    expect(doses).toHaveLength(1);
    expect(doses[0]).toMatchObject({ beneficiary_reference_id: ref, dose: 1, batch: '4121Z025' });
    expect(await w.count('certificates')).toBe(certificatesBefore + 1);
    expect(await shown.textContent()).toBe(
      `Dose 1 of COVISHIELD recorded for ${ref}.` +
        `Certificate issued: ${doses[0]?.certificate_id} (provisional).`,
    );
    await screenshot(vax, 'desk-vaccinator-360');

    // A second dose the same day is refused by the schedule, in plain words, recording nothing.
    await desk.getByLabel('Reference ID of the person').fill(ref);
    await desk.getByLabel('Dose number').selectOption('2');
    await desk.getByRole('button', { name: 'Record dose' }).click();
    await expect.poll(() => alertOf(vax)).toContain('too early');
    expect(await w.count('doses')).toBe(1);

    // The verifier's list now says vaccinated.
    await ver.reload();
    await expect
      .poll(() => ver.getByTestId('day-list').locator('tbody tr td').nth(3).textContent())
      .toBe('Vaccinated');
    await ver.close();

    // Hindi on the vaccinator's desk.
    await vax.getByTestId('language').selectOption('hi');
    await vax.getByRole('heading', { name: `टीकाकर्ता डेस्क, केंद्र ${w.centreA}` }).waitFor();
    expect(await vax.getByRole('button', { name: 'खुराक दर्ज करें' }).count()).toBe(1);
    await expectNoSeriousViolations(vax);
    await screenshot(vax, 'desk-vaccinator-hindi-360');
    await vax.close();
  });

  it('shows no desk to staff without a centre role, and a centre they do not hold answers nothing', async () => {
    const page = await signedIn(w.bbmp);
    expect(await page.getByTestId('grants').textContent()).toBe('District admin: district 294');
    expect(
      await page.locator('[data-testid^="verifier-"], [data-testid^="vaccinator-"]').count(),
    ).toBe(0);
    await page.close();
    const other = await signedIn(w.verifierB);
    await other.getByTestId(`verifier-${w.centreB}`).waitFor();
    expect(await other.getByTestId(`verifier-${w.centreA}`).count()).toBe(0);
    await other.getByLabel('ID to find').fill('12345678901234');
    await other.getByRole('button', { name: 'Find', exact: true }).click();
    await expect
      .poll(() => alertOf(other))
      .toBe('This person is not expected at this centre today.');
    await other.close();
  });
  it('registers a walk-in at a session that takes them, who is then arrived for the vaccinator; a second registration of the same photo ID is refused in plain words', async () => {
    const session = await w.session(w.centreB, 0, { allow_walk_in: true });
    const page = await signedIn(w.verifierB);
    const form = page.getByTestId(`verifier-${w.centreB}`).getByTestId('walk-in');
    await form.getByRole('heading', { name: 'Walk-in registration' }).waitFor();
    await form.getByLabel('Session').selectOption(session);
    const fill = async (photoId: string) => {
      await form.getByLabel('Full name, as on the photo ID').fill('Walk In Person');
      await form.getByLabel('Year of birth').fill('1990');
      await form.getByLabel('Gender').selectOption({ label: 'Female' });
      await form.getByLabel('Photo ID type').selectOption('1');
      await form.getByLabel('Photo ID number').fill(photoId);
      await form.getByLabel('Mobile number').fill('9846300001');
    };
    // Checked in the page first: nothing is sent without a mobile number.
    await fill(AADHAAR[7] ?? '');
    await form.getByLabel('Mobile number').fill('98463');
    await form.getByRole('button', { name: 'Register walk-in' }).click();
    await expect.poll(() => alertOf(page)).toContain('10-digit mobile number');
    const people = async () =>
      (
        await w.t.database.db
          .selectFrom('beneficiaries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const before = await people();
    await form.getByLabel('Mobile number').fill('9846300001');
    await expectNoSeriousViolations(page);
    await form.getByRole('button', { name: 'Register walk-in' }).click();
    const done = form.getByTestId('walked-in');
    await done.waitFor();
    expect(await people()).toBe(before + 1);
    const arrival = await w.t.database.db
      .selectFrom('arrivals')
      .selectAll()
      .where('session_id', '=', session)
      .executeTakeFirstOrThrow();
    expect(await done.textContent()).toContain(
      `Registered with reference ID ${arrival.beneficiary_reference_id}`,
    );
    expect(arrival.arrived_at).not.toBeNull();
    // The form is empty again for the next person; the same photo ID is refused.
    expect(await form.getByLabel('Photo ID number').inputValue()).toBe('');
    await screenshot(page, 'desk-walk-in-360');
    await fill(AADHAAR[7] ?? '');
    await form.getByRole('button', { name: 'Register walk-in' }).click();
    await expect.poll(() => alertOf(page)).toContain('already registered');
    expect(await people()).toBe(before + 1);
    // The vaccinator records the walk-in's dose without any other step.
    const vax = await signedIn(w.vaccinatorB);
    const desk = vax.getByTestId(`vaccinator-${w.centreB}`);
    await desk.getByLabel('Session').selectOption(session);
    await desk.getByLabel('Reference ID of the person').fill(arrival.beneficiary_reference_id);
    await desk.getByLabel('Batch number').fill('4121Z026');
    await desk.getByRole('button', { name: 'Record dose' }).click();
    await desk.getByTestId('dose-recorded').waitFor();
    await vax.close();
    await page.close();
  });
});
