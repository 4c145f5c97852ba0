import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { indiaDate } from '../../server/modules/facilities/dates.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import type { Session } from '../helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../helpers/vaccinations.js';
import { expectNoSeriousViolations, staffLogIn } from '../helpers/web.js';

const SMALL_NOTE = '“<5” means fewer than 5, not shown so that no person can be singled out.';

describe.runIf(browserAvailable)('the reports screen in a real browser', () => {
  let w: VaccinationWorld;
  let browser: Browser;
  let url: string;
  /** A district of Karnataka (state 16) where nothing is recorded. */
  let quietDistrict: number;

  /** Doses given at `centre` now, by `vaccinator` after `verifier` checked each person in. */
  async function doses(
    centre: number,
    people: number,
    vaccine: string,
    verifier: Session,
    vaccinator: Session,
  ): Promise<string[]> {
    const session = await w.session(centre, 0, { vaccine, allow_walk_in: true });
    const given: string[] = [];
    while (given.length < people) {
      const { ids } = await w.citizen(Math.min(4, people - given.length));
      for (const ref of ids) {
        await w.checkIn(session, ref, verifier);
        const dose = await w.dose(vaccinator, w.doseBody(session, ref, 1, { vaccine }));
        if (dose.statusCode !== 200) throw new Error(`dose: ${dose.body}`);
        given.push(dose.json<{ dose_id: string }>().dose_id);
      }
    }
    return given;
  }

  /** An adverse event recorded against a dose through the real API. */
  async function aefi(by: Session, doseId: string, severity: string, category: string) {
    const made = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/vaccinations/doses/${doseId}/aefi`,
      headers: by.headers,
      payload: { severity, category, onset_date: indiaDate(w.clock.now()) },
    });
    if (made.statusCode !== 201) throw new Error(`aefi: ${made.body}`);
  }

  beforeAll(async () => {
    w = await vaccinationWorld('98473');
    url = await listen(w.t);
    browser = await launchBrowser();
    // District 294: 5 serious events (shown as 5) and 2 minor ones (shown as "<5").
    const [a1, a2, a3, a4, a5, a6, a7] = await doses(
      w.centreA,
      7,
      'COVISHIELD',
      w.verifier,
      w.vaccinator,
    );
    for (const dose of [a1, a2, a3, a4, a5])
      await aefi(w.vaccinator, dose ?? '', 'serious', 'syncope');
    for (const dose of [a6, a7]) await aefi(w.vaccinator, dose ?? '', 'minor', 'fever');
    // District 265, also in Karnataka: one minor event after COVAXIN.
    const [b1] = await doses(w.centreB, 1, 'COVAXIN', w.verifierB, w.vaccinatorB);
    await aefi(w.vaccinatorB, b1 ?? '', 'minor', 'injection-site-reaction');

    const karnataka = await w.t.app.inject({ url: '/api/v2/admin/location/districts/16' });
    const others = karnataka
      .json<{ districts: { district_id: number }[] }>()
      .districts.filter((d) => d.district_id !== 294 && d.district_id !== 265);
    quietDistrict = others[0]?.district_id ?? 0;
  });
  afterAll(async () => {
    await browser.close();
    await w.close();
  });

  async function signedIn(who: Session): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await staffLogIn(page, url, who, w.clock);
    return page;
  }

  const reports = (page: Page) => page.getByRole('region', { name: 'Reports', exact: true });
  const rows = (panel: Locator) =>
    panel.getByTestId('aefi-report').locator('tbody tr').allTextContents();

  it('a district admin sees the adverse events of their district, small counts as "<5" explained, a link to the dose dashboard; other places are refused', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    // The report's answer waits until the loading state has been seen (the answer is real).
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/vaccinations/aefi/report**', async (route) => {
      await held;
      await route.continue();
    });
    await staffLogIn(page, url, w.bbmp, w.clock);
    const panel = reports(page);
    await expect.poll(() => panel.getByRole('status').textContent()).toBe('Loading the report…');
    release();
    await expect.poll(() => rows(panel)).toEqual(['COVISHIELDMinor<5', 'COVISHIELDSerious5']);
    await page.unroute('**/api/v1/vaccinations/aefi/report**');

    expect(await panel.getByTestId('report-scope').textContent()).toBe(
      'Place covered: district 294 (every adverse event recorded there so far).',
    );
    // One place held: no choice to make.
    expect(await panel.getByLabel('Report for').count()).toBe(0);
    const table = panel.getByTestId('aefi-report');
    expect(await table.locator('caption').textContent()).toBe(
      'Adverse events following immunisation in district 294, by vaccine and severity',
    );
    expect(await table.locator('thead th').allTextContents()).toEqual([
      'Vaccine',
      'Severity',
      'Events',
    ]);
    // The "<5" cell is described by the note that says what it means.
    const small = table.getByText('<5', { exact: true });
    const note = panel.getByText(SMALL_NOTE);
    expect(await small.getAttribute('aria-describedby')).toBe(await note.getAttribute('id'));
    await expectNoSeriousViolations(page);
    await screenshot(page, 'staff-reports-360');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );

    // Forged from this page: another district, the state and the country are refused.
    const forged = await page.evaluate(async () => {
      const ask = async (query: string) => {
        const response = await fetch(`/api/v1/vaccinations/aefi/report${query}`);
        return `${response.status} ${response.headers.get('content-type') ?? ''}`;
      };
      return [
        await ask('?district_id=265'),
        await ask('?state_id=16'),
        await ask(''),
        await ask('?district_id=294'),
      ];
    });
    expect(forged).toEqual([
      '403 application/problem+json; charset=utf-8',
      '403 application/problem+json; charset=utf-8',
      '403 application/problem+json; charset=utf-8',
      '200 application/json; charset=utf-8',
    ]);

    await page.getByTestId('language').selectOption('hi');
    const hindi = page.getByRole('region', { name: 'रिपोर्ट', exact: true });
    await expect.poll(() => rows(hindi)).toEqual(['COVISHIELDमामूली<5', 'COVISHIELDगंभीर5']);
    expect(await hindi.getByTestId('report-scope').textContent()).toBe(
      'शामिल क्षेत्र: ज़िला 294 (वहाँ अब तक दर्ज हर प्रतिकूल घटना)।',
    );
    await hindi.getByText('“<5” का अर्थ है 5 से कम', { exact: false }).waitFor();
    await expectNoSeriousViolations(page);
    await screenshot(page, 'staff-reports-hi-360');
    await page.getByTestId('language').selectOption('en');

    await panel
      .getByRole('link', { name: 'Dose numbers are on the public dose dashboard.' })
      .click();
    await page.getByRole('heading', { name: 'Vaccination dashboard' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.close();
  });

  it('an admin of a state and of districts chooses the place: the state counts every district in it, a quiet district says so, and a place taken away is refused in plain words', async () => {
    const admin = await w.staff.member(w.national, 'ka.reports', [
      { role: 'state-admin', state_id: 16 },
      { role: 'district-admin', district_id: 265 },
      { role: 'district-admin', district_id: quietDistrict },
      { role: 'district-admin', district_id: 294 },
    ]);
    const page = await signedIn(admin);
    const panel = reports(page);
    const choice = panel.getByLabel('Report for');
    expect(await choice.locator('option').allTextContents()).toEqual([
      'state 16',
      'district 265',
      `district ${quietDistrict}`,
      'district 294',
    ]);
    await expect
      .poll(() => rows(panel))
      .toEqual(['COVAXINMinor<5', 'COVISHIELDMinor<5', 'COVISHIELDSerious5']);
    expect(await panel.getByTestId('report-scope').textContent()).toBe(
      'Place covered: state 16 (every adverse event recorded there so far).',
    );

    await choice.selectOption({ label: 'district 265' });
    await expect.poll(() => rows(panel)).toEqual(['COVAXINMinor<5']);
    expect(await panel.getByTestId('report-scope').textContent()).toContain('district 265');

    await choice.selectOption({ label: `district ${quietDistrict}` });
    await expect
      .poll(() => panel.getByTestId('aefi-none').textContent())
      .toBe(
        `No adverse events following immunisation have been recorded in district ${quietDistrict}.`,
      );
    await expectNoSeriousViolations(page);

    // The national admin takes the state and district 294 away while the page is open (the
    // state alone would still cover district 294). A place already shown stays on the screen
    // for a while (staleTime); 294 has not been asked for yet.
    const national = await w.relogin(w.national);
    await w.stepUp(national);
    const changed = await w.t.app.inject({
      method: 'PUT',
      url: `/api/v1/staff/accounts/${admin.id}/grants`,
      headers: national.headers,
      payload: {
        grants: [{ role: 'district-admin', district_id: quietDistrict }],
      },
    });
    expect(changed.statusCode).toBe(200);
    await choice.selectOption({ label: 'district 294' });
    const refused = panel.getByRole('alert');
    await expect
      .poll(() => refused.locator('p').textContent())
      .toBe('You may not see the report for that place: it is outside your place.');
    // Nothing of the place is shown, and a refusal offers no second try.
    expect(await panel.getByTestId('aefi-report').count()).toBe(0);
    expect(await panel.getByTestId('report-scope').count()).toBe(0);
    expect(await refused.getByRole('button').count()).toBe(0);
    await expectNoSeriousViolations(page);
    await screenshot(page, 'staff-reports-refused-360');

    await page.getByTestId('language').selectOption('hi');
    await expect
      .poll(() =>
        page
          .getByRole('region', { name: 'रिपोर्ट', exact: true })
          .getByRole('alert')
          .locator('p')
          .textContent(),
      )
      .toBe('आप उस क्षेत्र की रिपोर्ट नहीं देख सकते: वह आपके क्षेत्र से बाहर है।');
    await page.getByTestId('language').selectOption('en');
    await page.close();
  });

  it('the national admin sees the whole country; a lost answer says so and is tried again', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    // The first answer is lost on the way, as on a flaky mobile connection.
    let lost = false;
    await page.route('**/api/v1/vaccinations/aefi/report**', async (route) => {
      if (lost) return route.continue();
      lost = true;
      return route.abort('internetdisconnected');
    });
    await staffLogIn(page, url, w.national, w.clock);
    const panel = reports(page);
    const failed = panel.getByRole('alert');
    await expect
      .poll(() => failed.locator('p').textContent())
      .toBe('The report could not be loaded. Check your connection and try again.');
    await failed.getByRole('button', { name: 'Try again' }).click();
    await expect
      .poll(() => rows(panel))
      .toEqual(['COVAXINMinor<5', 'COVISHIELDMinor<5', 'COVISHIELDSerious5']);
    expect(await panel.getByTestId('report-scope').textContent()).toBe(
      'Place covered: the whole country (every adverse event recorded there so far).',
    );
    expect(await failed.count()).toBe(0);
    await expectNoSeriousViolations(page);
    await page.close();
  });
});
