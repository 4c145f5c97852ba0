import { createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import canonicalizeModule from 'canonicalize';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { manualClock } from '../../server/platform/clock.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { auditRows, type Session, staffClient, type TestClock, totp } from '../helpers/staff.js';
import { expectNoSeriousViolations, staffLogIn } from '../helpers/web.js';

// canonicalize is CommonJS (module.exports = the function) with an ESM-style declaration file.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string;

interface Checkpoint {
  format: string;
  treeSize: number;
  rootHash: string;
  issuedAt: string;
  keyId: string;
  signature: string;
}

/** Flips the lowest bit of the first byte of a hex hash. */
const flipped = (hash: string) =>
  `${(parseInt(hash.slice(0, 2), 16) ^ 1).toString(16).padStart(2, '0')}${hash.slice(2)}`;

describe.runIf(browserAvailable)('the auditor screen in a real browser', () => {
  let t: TestApp;
  let clock: TestClock;
  let browser: Browser;
  let url: string;
  let root: Session;
  let auditor: Session;
  let vaccinator: Session;

  /** A national admin signs a checkpoint now, with a fresh second factor. */
  const signCheckpoint = async () => {
    clock.advance(30_000);
    const stepUp = await t.app.inject({
      method: 'POST',
      url: '/api/v1/staff/auth/step-up',
      headers: root.headers,
      payload: { code: totp(root.secret, clock) },
    });
    expect(stepUp.statusCode, stepUp.body).toBe(200);
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints',
      headers: root.headers,
    });
    expect(made.statusCode, made.body).toBe(200);
    return made.json<Checkpoint>();
  };

  beforeAll(async () => {
    clock = manualClock(new Date());
    t = await testApp({}, { clock });
    url = await listen(t);
    const staff = staffClient(t, clock);
    root = await staff.nationalAdmin('root.audit');
    auditor = await staff.member(root, 'auditor.meera', [{ role: 'auditor' }]);
    vaccinator = await staff.member(root, 'vax.ravi', [{ role: 'vaccinator', district_id: 294 }]);
    // Earlier actions for the trail to show: each account is created, enrolled and signed in.
    for (let i = 0; i < 8; i++) {
      await staff.member(root, `vax.team${i}`, [{ role: 'vaccinator', district_id: 294 }]);
    }
    await signCheckpoint();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  const rows = (page: Page) => page.getByTestId('audit-trail').locator('tbody tr');
  const column = (page: Page, n: number) =>
    page.getByTestId('audit-trail').locator(`tbody tr td:nth-child(${n})`).allTextContents();
  const verdict = (page: Page, testId = 'audit-verdict') =>
    page.getByTestId(testId).getByRole('heading').textContent();

  it('is not shown to staff without the auditor role', async () => {
    const page = await browser.newPage();
    await staffLogIn(page, url, vaccinator, clock);
    await page.getByTestId('grants').waitFor();
    expect(await page.getByRole('heading', { name: 'Audit trail and its proof' }).count()).toBe(0);
    await page.close();
  });

  it('speaks Hindi, verdict included', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 780 } });
    await staffLogIn(page, url, auditor, clock);
    await page.getByTestId('language').selectOption('hi');
    await page.getByRole('heading', { name: 'ऑडिट ट्रेल और उसका प्रमाण' }).waitFor();
    await expect.poll(() => verdict(page)).toBe('सत्यापित');
    await page.getByRole('button', { name: 'और रिकॉर्ड दिखाएँ' }).waitFor();
    await screenshot(page, 'auditor-hindi-360');
    await page.close();
  });

  it('shows the trail, pages and filters it, exports and verifies checkpoints, and says when a proof was tampered with, on a 360 px phone', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 780 } });
    await staffLogIn(page, url, auditor, clock);
    const panel = page.getByRole('region', { name: 'Audit trail and its proof' });

    // The first checkpoint this device sees: its signature verifies, and it is remembered.
    await expect.poll(() => verdict(page)).toBe('Verified');
    expect(await page.getByTestId('audit-verdict').textContent()).toContain(
      'first checkpoint seen on this device',
    );

    // The records of earlier actions, newest first, 25 a page, then more.
    await rows(page).first().waitFor();
    expect(await column(page, 3)).toEqual(
      expect.arrayContaining(['staff.account.create', 'staff.enrolment.complete', 'staff.login']),
    );
    expect(await rows(page).count()).toBe(25);
    await panel.getByRole('button', { name: 'Show more records' }).click();
    await expect.poll(() => rows(page).count()).toBeGreaterThan(25);
    const ids = (await column(page, 1)).map(Number);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => b - a));

    await panel.getByLabel('Action', { exact: true }).fill('staff.login');
    await panel.getByRole('button', { name: 'Show records' }).click();
    await expect.poll(async () => new Set(await column(page, 3))).toEqual(new Set(['staff.login']));
    // The national admin, the auditor, the vaccinator and the team of 8 signed in.
    expect(await rows(page).count()).toBeGreaterThanOrEqual(11);

    // Export: the downloaded file is the latest checkpoint, signed by the published key.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('button', { name: 'Download checkpoint (JSON)' }).click(),
    ]);
    const file = await download.path();
    const exported = JSON.parse(await readFile(file, 'utf8')) as Checkpoint;
    expect(download.suggestedFilename()).toBe(`teeka-audit-checkpoint-${exported.treeSize}.json`);
    const latest = await t.app.inject({
      url: '/api/v1/audit/checkpoints/latest',
      headers: auditor.headers,
    });
    expect(exported).toEqual(latest.json());
    const jwks = (await (await fetch(`${url}/.well-known/teeka-audit-key.json`)).json()) as {
      keys: { kid: string; kty: string; crv: string; x: string }[];
    };
    const jwk = jwks.keys.find((key) => key.kid === exported.keyId);
    expect(jwk).toBeDefined();
    const { signature, ...signed } = exported;
    expect(
      verify(
        null,
        Buffer.from(canonicalize(signed)),
        createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk?.x }, format: 'jwk' }),
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);

    // A newer checkpoint is proven to extend the remembered one.
    const newer = await signCheckpoint();
    expect(newer.treeSize).toBeGreaterThan(exported.treeSize);
    await panel.getByRole('button', { name: 'Check the latest again' }).click();
    await expect
      .poll(() => page.getByTestId('audit-checkpoint').textContent())
      .toContain(`first ${newer.treeSize} records`);
    await expect.poll(() => verdict(page)).toBe('Verified');
    expect(await page.getByTestId('audit-verdict').textContent()).toContain(
      `the ${exported.treeSize} records of the earlier checkpoint are unchanged, in order`,
    );

    // One record, exactly as shown, is in the signed log.
    const oldest = Number((await column(page, 1)).at(-1));
    await panel.getByRole('button', { name: `Verify record ${oldest}`, exact: true }).click();
    await expect.poll(() => verdict(page, 'audit-record-verdict')).toBe('Verified');
    await screenshot(page, 'auditor-360');
    await expectNoSeriousViolations(page);

    // A consistency proof with one byte changed on the way: not verified, and why.
    await page.route('**/api/v1/audit/consistency-proof?*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { proof: string[] };
      body.proof[0] = flipped(body.proof[0] as string);
      await route.fulfill({ response, json: body });
    });
    await panel.getByLabel('Compare with a checkpoint you downloaded before').setInputFiles(file);
    await expect
      .poll(() => verdict(page))
      .toBe(
        `Not verified, because the proof does not link the earlier checkpoint (${exported.treeSize} records) to the latest (${newer.treeSize} records): records may have been changed, removed or reordered.`,
      );

    // An inclusion proof with one byte changed: the record is not verified either.
    await page.route('**/api/v1/audit/records/*/inclusion-proof?*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { path: string[] };
      body.path[0] = flipped(body.path[0] as string);
      await route.fulfill({ response, json: body });
    });
    const second = Number((await column(page, 1)).at(-2));
    await panel.getByRole('button', { name: `Verify record ${second}`, exact: true }).click();
    await expect
      .poll(() => verdict(page, 'audit-record-verdict'))
      .toBe(
        `Not verified, because the proof does not place record ${second} in the signed log of ${newer.treeSize} records.`,
      );
    await screenshot(page, 'auditor-tampered-360');
    await page.close();

    // Each page the screen read is itself in the trail, with its filters.
    const reads = (await auditRows(t.database.db, 'audit.trail.read')).filter(
      (r) => r.actor_id === auditor.id,
    );
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.map((r) => r.details)).toContainEqual(
      expect.objectContaining({ action: 'staff.login', limit: 25 }),
    );
  });
});
