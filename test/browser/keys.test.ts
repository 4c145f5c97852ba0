import { randomBytes } from 'node:crypto';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { createKeyRing, parseMasterKeys } from '../../server/crypto/keys.js';
import { createCertificateModule } from '../../server/modules/certificates/module.js';
import { manualClock } from '../../server/platform/clock.js';
import { createLimits } from '../../server/platform/limits.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { browserAvailable, launchBrowser, screenshot } from '../helpers/browser.js';
import { listen } from '../helpers/server.js';
import { auditRows, type Session, staffClient, type TestClock, totp } from '../helpers/staff.js';
import { expectNoSeriousViolations } from '../helpers/web.js';

const SHC_ROW = 'tr[data-format="shc"]';

describe.runIf(browserAvailable)('certificate key rotation on the national admin screen', () => {
  const masterKey = `test:${randomBytes(32).toString('base64')}`;
  const limits = createLimits({ redisUrl: undefined, namespace: 'keys-browser' });
  let t: TestApp;
  let clock: TestClock;
  let browser: Browser;
  let url: string;
  let root: Session;
  let firstShcKid: string;

  beforeAll(async () => {
    clock = manualClock(new Date());
    t = await testApp({ TEEKA_MASTER_KEY: masterKey }, { clock });
    url = await listen(t);
    root = await staffClient(t, clock).nationalAdmin('keys.admin');
    // The deployment has issued SMART Health Cards already: their first key exists.
    const node = createCertificateModule({
      db: t.database.db,
      limits,
      clock,
      config: loadConfig({ NODE_ENV: 'test', TEEKA_MASTER_KEY: masterKey }),
      keys: createKeyRing(parseMasterKeys(masterKey, 'test')),
    });
    firstShcKid = (await node.formatKeys.current(t.database.db, 'shc')).kid;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await limits.close();
    await t.close();
  });

  async function logIn(page: Page) {
    clock.advance(30_000);
    await page.goto(`${url}/staff`);
    await page.getByLabel('Username').fill(root.username);
    await page.getByLabel('Password', { exact: true }).fill(root.password);
    await page.getByLabel('Authenticator code (6 digits)').fill(totp(root.secret, clock));
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByTestId('grants').waitFor();
  }

  const freshCode = () => {
    clock.advance(30_000);
    return totp(root.secret, clock);
  };

  const publishedKids = async () =>
    (
      (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
    ).keys.map((k) => k.kid);

  it('rotates the SMART Health Card key after confirmation and step-up: the new kid shows on the screen and is published, on a 360 px phone', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await logIn(page);
    const panel = page.getByRole('region', { name: 'Certificate signing keys' });
    const shcRow = panel.locator(SHC_ROW);
    await expect.poll(() => shcRow.textContent()).toContain(firstShcKid);
    expect(await shcRow.textContent()).toContain('1 (1 published)');
    // No W3C VC or EU DCC has been issued yet: no key of theirs.
    expect(await panel.locator('tr[data-format="vc"]').textContent()).toContain('No key yet');

    await panel.getByLabel('Key to rotate').selectOption({ label: 'SMART Health Card' });
    // Not confirmed: caught on the page, nothing rotated.
    await panel.getByLabel('Fresh authenticator code').fill(freshCode());
    await panel.getByRole('button', { name: 'Rotate the key' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('Tick the box');
    // A wrong code: the server refuses the step-up, nothing rotated.
    await panel.getByLabel(/I understand a rotation cannot be undone/).check();
    await panel.getByLabel('Fresh authenticator code').fill('000000');
    await panel.getByRole('button', { name: 'Rotate the key' }).click();
    await expect
      .poll(() => panel.getByRole('alert').textContent())
      .toContain('wrong or already used');
    expect(await publishedKids()).toEqual([firstShcKid]);

    await panel.getByLabel('Fresh authenticator code').fill(freshCode());
    await panel.getByRole('button', { name: 'Rotate the key' }).click();
    const done = (await panel.getByTestId('key-rotated').textContent()) ?? '';
    const kid = /^SMART Health Cards are now signed with kid ([\w-]{43}) \(generation 2\)\.$/.exec(
      done,
    )?.[1];
    expect(kid, done).toBeDefined();
    expect(kid).not.toBe(firstShcKid);
    await expect.poll(() => shcRow.textContent()).toContain(kid);
    expect(await shcRow.textContent()).toContain('2 (2 published)');
    // Published over HTTP at once, the old key beside it so earlier cards keep verifying.
    expect(await publishedKids()).toEqual(expect.arrayContaining([firstShcKid, kid]));
    expect((await auditRows(t.database.db, 'certificate-key.rotate')).at(-1)).toMatchObject({
      actor_type: 'staff',
      actor_id: root.id,
      outcome: 'allowed',
      details: { format: 'shc', key_id: kid, generation: 2 },
    });
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-key-rotation-360');
    await expectNoSeriousViolations(page);
    // Nothing on the page overflows the phone's width.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      360,
    );
    await page.close();
  });

  it('shows the key rotation panel in Hindi', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await logIn(page);
    await page.getByTestId('language').selectOption('hi');
    const panel = page.getByRole('region', { name: 'प्रमाणपत्र पर हस्ताक्षर करने वाली कुंजियाँ' });
    await expect.poll(() => panel.locator(SHC_ROW).textContent()).toContain('SMART हेल्थ कार्ड');
    expect(await panel.getByRole('button', { name: 'कुंजी बदलें' }).count()).toBe(1);
    await screenshot(page, 'admin-key-rotation-hindi-360');
    await expectNoSeriousViolations(page);
    await page.getByTestId('language').selectOption('en');
    await page.close();
  });
});
