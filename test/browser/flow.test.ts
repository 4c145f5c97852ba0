import { readFile } from 'node:fs/promises';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { indiaDate } from '../../server/modules/facilities/dates.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { type VaccinationWorld, vaccinationWorld } from '../helpers/vaccinations.js';
import { citizenLogIn, expectNoSeriousViolations, qrOfPdf, staffLogIn } from '../helpers/web.js';

const cowin = (iso: string) => iso.split('-').reverse().join('-');

describe.runIf(browserAvailable)('the whole flow in real browsers', () => {
  let w: VaccinationWorld;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    w = await vaccinationWorld('98472');
    // The citizen's browser reads its token's expiry on its own clock: the server's is now too.
    w.clock.advance(Date.now() - w.clock.now().getTime());
    url = await listen(w.t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.close();
  });

  it('a citizen registers and books; the verifier and the vaccinator at their desks mark arrival and record the dose; the citizen downloads the certificate, whose QR the verify page finds valid', async () => {
    const sessionId = await w.session(w.centreA);
    const today = cowin(indiaDate(w.clock.now()));
    const name = 'Lakshmi Rao';
    const voterId = 'FLW4000123';

    // The citizen, in one browser context: log in, register, book.
    const citizen = await browser.newContext({
      viewport: { width: 360, height: 740 },
      acceptDownloads: true,
    });
    const portal = await citizen.newPage();
    const token = await citizenLogIn(portal, url, w.t.outbox, '9847210001');
    await portal.getByRole('button', { name: 'Add a member' }).click();
    await portal.getByLabel('Full name, as on the photo ID').fill(name);
    await portal.getByLabel('Year of birth').fill('1988');
    await portal.getByLabel('Gender').selectOption({ label: 'Female' });
    await portal.getByLabel('Photo ID type').selectOption({ label: 'Voter ID' });
    await portal.getByLabel('Photo ID number').fill(voterId);
    await portal.getByLabel('I agree').check();
    await portal.getByRole('button', { name: 'Add member', exact: true }).click();
    await expect.poll(() => portal.getByTestId('done').textContent()).toBe(`${name} was added.`);
    const member = portal.getByTestId('member').filter({ hasText: name });
    // The portal does not show the reference ID; the citizen's own list over the API has it.
    const listed = await w.t.app.inject({
      url: '/api/v2/appointment/beneficiaries',
      headers: w.bearer(token),
    });
    const [ref = ''] = listed
      .json<{ beneficiaries: { beneficiary_reference_id: string }[] }>()
      .beneficiaries.map((b) => b.beneficiary_reference_id);
    expect(ref).not.toBe('');

    await member.getByRole('button', { name: 'Book a slot' }).click();
    await portal.getByRole('textbox', { name: 'PIN code' }).fill('560041');
    await portal.getByRole('button', { name: 'Search', exact: true }).click();
    await portal
      .getByRole('button', { name: `Book 09:00AM-11:00AM on ${today} at Test Centre 1` })
      .click();
    await portal.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => portal.getByTestId('done').textContent())
      .toMatch(/^Booked\. Confirmation number: \S+\.$/);
    await member.getByTestId('appointment').waitFor();
    expect(await portal.getByTestId('certificate').count()).toBe(0);

    // The centre's staff, in a second context on the server's clock (the dose time is the
    // device's): the verifier marks arrival, logs out, and the vaccinator records the dose.
    const centre = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const desk: Page = await centre.newPage();
    await desk.clock.setFixedTime(w.clock.now());
    await staffLogIn(desk, url, w.verifier, w.clock);
    const list = desk.getByTestId('day-list');
    await expect.poll(() => list.locator('tbody tr').count()).toBe(1);
    await desk.getByRole('button', { name: `Open ${ref}` }).click();
    const person = desk.getByTestId('expected');
    await person.waitFor();
    await person.getByLabel('Last 4 characters of the Voter ID shown').fill(voterId.slice(-4));
    await person.getByRole('button', { name: 'Confirm identity' }).click();
    await person.getByRole('button', { name: 'Mark arrived' }).click();
    await expect
      .poll(() => person.getByTestId('arrived').textContent())
      .toContain('Marked arrived');
    await expectNoSeriousViolations(desk);
    await screenshot(desk, 'flow-verifier-360');
    await desk.getByRole('button', { name: 'Log out' }).click();

    await staffLogIn(desk, url, w.vaccinator, w.clock);
    const vaccinator = desk.getByTestId(`vaccinator-${w.centreA}`);
    await vaccinator.getByLabel('Reference ID of the person').fill(ref);
    await vaccinator.getByLabel('Batch number').fill('4121Z025');
    await vaccinator.getByRole('button', { name: 'Record dose' }).click();
    const recorded = vaccinator.getByTestId('dose-recorded');
    await recorded.waitFor();
    expect(await recorded.textContent()).toContain(`Dose 1 of COVISHIELD recorded for ${ref}.`);
    const doses = await w.t.database.db
      .selectFrom('doses')
      .select(['session_id', 'certificate_id'])
      .where('beneficiary_reference_id', '=', ref)
      .execute();
    expect(doses).toEqual([{ session_id: sessionId, certificate_id: expect.any(String) }]);
    await screenshot(desk, 'flow-vaccinator-360');
    await centre.close();

    // The citizen sees the certificate and downloads the PDF.
    await portal.reload();
    const certificate = member.getByTestId('certificate');
    await certificate.waitFor();
    const [download] = await Promise.all([
      portal.waitForEvent('download'),
      certificate.getByRole('button', { name: 'Download certificate (PDF)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`teeka-certificate-${ref}.pdf`);
    const qrText = qrOfPdf(await readFile(await download.path())) ?? '';
    expect(qrText).not.toBe('');

    // The QR code printed on it, checked on the verify page against the published keys.
    const verify = await citizen.newPage();
    await verify.goto(`${url}/verify`);
    await expect.poll(() => verify.getByTestId('keys-status').textContent()).toContain('saved');
    await verify.getByLabel('QR code text').fill(qrText);
    await verify.getByRole('button', { name: 'Verify', exact: true }).click();
    const result = verify.getByTestId('verify-result');
    await result.waitFor();
    expect(await result.getAttribute('data-status')).toBe('valid');
    expect(await verify.getByTestId('fact-name').textContent()).toBe(name);
    expect(await verify.getByTestId('fact-dose').textContent()).toBe('Dose 1 of 2');
    expect(await result.textContent()).toContain(doses[0]?.certificate_id);
    await expectNoSeriousViolations(verify);
    await screenshot(verify, 'flow-verify-valid-360');

    // A QR text changed by one character is not valid. The change is in the middle: near the
    // end it could fall on the compressed stream's checksum or padding and change nothing signed.
    const mid = Math.floor(qrText.length / 2);
    const tampered =
      qrText.slice(0, mid) + (qrText[mid] === 'A' ? 'B' : 'A') + qrText.slice(mid + 1);
    await verify.getByLabel('QR code text').fill(tampered);
    await verify.getByRole('button', { name: 'Verify', exact: true }).click();
    await expect.poll(() => result.getAttribute('data-status')).not.toBe('valid');
    await citizen.close();
    // Three logins and a whole visit: longer than one screen's test.
  }, 90_000);
});
