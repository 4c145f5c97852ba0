import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Browser tests need Debian's Chromium (`apt-get install chromium`; .ci/run installs it).
 * In CI they always run, so a missing browser fails the run; elsewhere they say why they
 * did not run.
 */
export const browserAvailable = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!browserAvailable) {
  console.warn(
    `Browser tests need ${CHROMIUM} (apt-get install chromium); they are not run on this machine.`,
  );
}

/** `extraArgs`: more Chromium switches (e.g. a fake camera for the verifier's scan test). */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

const artifacts = path.resolve(import.meta.dirname, '..', 'artifacts');

/** Saves a screenshot under test/artifacts/ (not committed) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** Runs axe-core in the page and returns the violations (serious and critical ones fail a test). */
export async function accessibilityViolations(
  page: Page,
): Promise<{ id: string; impact: string | null; help: string }[]> {
  const axe = await import('axe-core');
  await page.evaluate(axe.default.source);
  return page.evaluate(async () => {
    const result = await (
      globalThis as unknown as {
        axe: {
          run: () => Promise<{ violations: { id: string; impact: string | null; help: string }[] }>;
        };
      }
    ).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help }));
  });
}
