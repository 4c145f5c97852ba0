import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../helpers/app.js';
import {
  accessibilityViolations,
  browserAvailable,
  launchBrowser,
  screenshot,
} from '../helpers/browser.js';
import { listen } from '../helpers/server.js';

describe.runIf(browserAvailable)('public pages in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    t = await testApp();
    url = await listen(t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  it('finds districts of a state on a 360 px phone screen, with no serious accessibility issue', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(url);
    await page.getByLabel('State').selectOption({ label: 'Karnataka' });
    await expect
      .poll(() => page.getByLabel('District').locator('option').count())
      .toBeGreaterThan(30);
    await page.getByLabel('District').selectOption({ label: 'BBMP' });
    expect(await page.getByLabel('District').inputValue()).toBe('294');
    await screenshot(page, 'search-360');
    const serious = (await accessibilityViolations(page)).filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect(serious).toEqual([]);
    await page.close();
  });

  it('switches to Hindi and remembers it', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByTestId('language').selectOption('hi');
    await expect.poll(() => page.locator('h1').textContent()).toBe('टीकाकरण केंद्र खोजें');
    expect(await page.locator('html').getAttribute('lang')).toBe('hi');
    await page.reload();
    await expect.poll(() => page.locator('h1').textContent()).toBe('टीकाकरण केंद्र खोजें');
    await screenshot(page, 'search-hindi');
    await page.close();
  });
});
