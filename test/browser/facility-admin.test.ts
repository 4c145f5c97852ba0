import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { manualClock } from '../../server/platform/clock.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { type Session, staffClient, type TestClock } from '../helpers/staff.js';
import { expectNoSeriousViolations, staffLogIn } from '../helpers/web.js';

interface PublicSession {
  session_id: string;
  date: string;
  vaccine: string;
  available_capacity_dose1: number;
  available_capacity_dose2: number;
}

describe.runIf(browserAvailable)('the facility admin screens in a real browser', () => {
  let t: TestApp;
  let clock: TestClock;
  let browser: Browser;
  let url: string;
  let district: Session;
  let centreAdmin: Session;
  let centre: number;
  let otherCentre: number;

  const centreBody = (districtId: number, name: string) => ({
    name,
    address: '1 Hospital Road',
    district_id: districtId,
    block_name: 'Bommanahalli',
    pincode: 560041,
    lat: 12.9,
    long: 77.6,
    opens_at: '09:00',
    closes_at: '17:00',
    fee_type: 'Free',
  });

  beforeAll(async () => {
    clock = manualClock(new Date('2026-03-01T08:00:00Z'));
    t = await testApp({}, { clock });
    url = await listen(t);
    const staff = staffClient(t, clock);
    const national = await staff.nationalAdmin('root.facilities');
    district = await staff.member(national, 'bbmp.facilities', [
      { role: 'district-admin', district_id: 294 },
    ]);
    const made = async (by: Session, body: object) =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/facilities/centres',
          headers: by.headers,
          payload: body,
        })
      ).json<{ center_id: number }>().center_id;
    centre = await made(district, centreBody(294, 'UPHC Jayanagar'));
    otherCentre = await made(national, centreBody(265, 'PHC Anekal'));
    centreAdmin = await staff.member(district, 'jayanagar.admin', [
      { role: 'facility-admin', center_id: centre },
    ]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  /** The centre's sessions on the public API, as a citizen's search sees them. */
  async function publicSessions(centerId: number): Promise<PublicSession[]> {
    const response = await fetch(
      `${url}/api/v2/appointment/sessions/public/calendarByCenter?center_id=${centerId}&date=10-03-2026`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { centers?: { sessions: PublicSession[] } };
    return body.centers?.sessions ?? [];
  }

  async function signedIn(who: Session): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await staffLogIn(page, url, who, clock);
    return page;
  }

  it('a facility admin sees their centre, creates a session, changes its seats (refused below the booked seats, in plain words) and closes it; the public API follows', async () => {
    const page = await signedIn(centreAdmin);
    const panel = page.getByRole('region', { name: 'Centres and sessions' });
    const mine = panel.getByTestId(`centre-${centre}`);
    await mine.getByRole('heading', { name: `UPHC Jayanagar (centre ${centre})` }).waitFor();
    expect(await panel.getByTestId(`centre-${otherCentre}`).count()).toBe(0);
    expect(await mine.getByTestId('sessions').textContent()).toBe('No sessions from today on.');
    // A facility admin opens no other centre and makes none.
    expect(await panel.getByLabel('Centre ID').count()).toBe(0);
    await expectNoSeriousViolations(page);

    const form = mine.getByRole('form', { name: 'New session' });
    await form.getByLabel('Date').fill('2026-03-10');
    await form.getByLabel('Vaccine').selectOption('COVISHIELD');
    expect(await form.textContent()).toContain('This centre is free.');
    await form.getByLabel('Dose 1 seats').fill('20');
    await form.getByLabel('Dose 2 seats').fill('10');
    // A slot outside the centre's hours: refused by the server in plain words, nothing made.
    await form.getByLabel('Slots').fill('07:00AM-08:00AM');
    await form.getByRole('button', { name: 'Create session' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toContain("within the centre's opening hours");
    expect(await publicSessions(centre)).toEqual([]);

    await form.getByLabel('Slots').fill('09:00AM-11:00AM 11:00AM-01:00PM');
    await form.getByRole('button', { name: 'Create session' }).click();
    await expect
      .poll(() => form.getByRole('status').textContent())
      .toBe('The session of 2026-03-10 (COVISHIELD) is created and open for booking.');
    const table = mine.getByTestId('sessions');
    await expect
      .poll(() => table.locator('tbody td').allTextContents())
      .toEqual([
        '2026-03-10',
        'COVISHIELD',
        '18 and above',
        'Dose 1: 20/20, dose 2: 10/10, precaution: 0/0',
        '09:00AM-11:00AM, 11:00AM-01:00PM',
        'Change',
      ]);
    const [created] = await publicSessions(centre);
    expect(created).toMatchObject({
      date: '10-03-2026',
      vaccine: 'COVISHIELD',
      available_capacity_dose1: 20,
      available_capacity_dose2: 10,
    });
    const sessionId = created?.session_id ?? '';

    // Three dose-1 seats are booked; the capacity cannot go below them.
    for (let i = 0; i < 3; i++) {
      await t.database.db
        .transaction()
        .execute((tx) => t.app.facilities.service.takeSeat(tx, sessionId, 'dose1'));
    }
    // As the booking service does after its commit.
    t.app.facilities.cache.invalidateSession(sessionId);
    await page.reload();
    await mine.getByRole('button', { name: 'Change the session of 2026-03-10' }).click();
    const change = mine.getByTestId('session-change');
    expect(await change.textContent()).toContain('Booked now: dose 1: 3, dose 2: 0');
    await change.getByLabel('Dose 1 seats').fill('2');
    await change.getByRole('button', { name: 'Save seats' }).click();
    await expect
      .poll(() => change.getByRole('alert').textContent())
      .toContain('Fewer seats than are already booked');
    expect((await publicSessions(centre))[0]?.available_capacity_dose1).toBe(17);
    await screenshot(page, 'facility-admin-refused-360');
    await expectNoSeriousViolations(page);

    await change.getByLabel('Dose 1 seats').fill('40');
    await change.getByRole('button', { name: 'Save seats' }).click();
    await expect
      .poll(() => mine.getByRole('status').first().textContent())
      .toBe('The seats of the session of 2026-03-10 (COVISHIELD) are changed.');
    await expect
      .poll(() => table.locator('tbody td').nth(3).textContent())
      .toBe('Dose 1: 37/40, dose 2: 10/10, precaution: 0/0');
    expect(await publicSessions(centre)).toEqual([
      expect.objectContaining({
        session_id: sessionId,
        available_capacity_dose1: 37,
        available_capacity_dose2: 10,
      }),
    ]);

    // Closed to new bookings: the 3 booked stay, nothing is left to book.
    await mine.getByRole('button', { name: 'Change the session of 2026-03-10' }).click();
    await change.getByRole('button', { name: 'Close to new bookings' }).click();
    await expect.poll(() => change.getByRole('alert').textContent()).toContain('Tick the box');
    await change.getByLabel('I want to close this session to new bookings.').check();
    await change.getByRole('button', { name: 'Close to new bookings' }).click();
    await expect
      .poll(() => table.locator('tbody td').nth(3).textContent())
      .toBe('Dose 1: 0/3, dose 2: 0/0, precaution: 0/0');
    expect(await publicSessions(centre)).toEqual([
      expect.objectContaining({ available_capacity_dose1: 0, available_capacity_dose2: 0 }),
    ]);
    await screenshot(page, 'facility-admin-360');

    await page.getByTestId('language').selectOption('hi');
    await page.getByRole('region', { name: 'केंद्र और सत्र' }).waitFor();
    await expectNoSeriousViolations(page);
    await page.getByTestId('language').selectOption('en');
    await page.close();
  });

  it('a district admin creates a centre, edits it, opens one of their district by id and is refused another district’s', async () => {
    const page = await signedIn(district);
    const panel = page.getByRole('region', { name: 'Centres and sessions' });
    await panel.getByRole('button', { name: 'New centre' }).click();
    const form = panel.getByRole('form', { name: 'New centre' });
    await form.getByLabel('District ID').fill('294');
    await form.getByLabel('Centre name').fill('CHC Koramangala');
    await form.getByLabel('Address').fill('80 Feet Road');
    await form.getByLabel('Block').fill('Koramangala');
    await form.getByLabel('PIN code').fill('560034');
    await form.getByLabel('Latitude').fill('12.93');
    await form.getByLabel('Longitude').fill('77.62');
    await form.getByLabel('Closes at').fill('08:00');
    await form.getByRole('button', { name: 'Save centre' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('The centre must close after it opens.');
    await form.getByLabel('Closes at').fill('16:00');
    await form.getByRole('button', { name: 'Save centre' }).click();
    const heading = panel.getByRole('heading', { name: /^CHC Koramangala \(centre \d+\)$/ });
    await heading.waitFor();
    const created = Number(/centre (\d+)/.exec((await heading.textContent()) ?? '')?.[1]);
    const opened = panel.getByTestId(`centre-${created}`);

    await opened.getByRole('button', { name: 'Edit centre details' }).click();
    await opened.getByLabel('Centre name').fill('CHC Koramangala 4th Block');
    await opened.getByRole('button', { name: 'Save centre' }).click();
    await expect
      .poll(() => opened.getByRole('status').textContent())
      .toBe('CHC Koramangala 4th Block is saved.');
    const row = await t.database.db
      .selectFrom('centres')
      .select(['name', 'district_id', 'closes_at'])
      .where('center_id', '=', created)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'CHC Koramangala 4th Block', district_id: 294 });
    expect(row.closes_at.slice(0, 5)).toBe('16:00');

    await panel.getByLabel('Centre ID').fill(String(centre));
    await panel.getByRole('button', { name: 'Open centre' }).click();
    await panel.getByRole('heading', { name: `UPHC Jayanagar (centre ${centre})` }).waitFor();
    await panel.getByLabel('Centre ID').fill(String(otherCentre));
    await panel.getByRole('button', { name: 'Open centre' }).click();
    await expect
      .poll(() => panel.getByRole('alert').textContent())
      .toBe('You do not manage that centre, or there is no such centre.');
    expect(await panel.getByText('PHC Anekal').count()).toBe(0);
    await screenshot(page, 'facility-district-admin-360');
    await expectNoSeriousViolations(page);
    await page.close();
  });
});
