import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { findChromium, missingForTests } from '../../../scripts/system-deps';

/**
 * Headless Chromium through playwright-core, found as `npm test`'s check finds it
 * (CHROMIUM_PATH, the system's chromium / google-chrome, Playwright's cache), with a
 * fresh profile that is removed on close.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const browser = findChromium();
  if (browser.path === null) {
    const [need] = missingForTests().filter((n) => n.what.startsWith('Chromium'));
    throw new Error(`The dashboard tests need a browser: ${browser.problem}. Install one: ${need?.install ?? 'set CHROMIUM_PATH'}`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'nest-tasks-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.path,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
