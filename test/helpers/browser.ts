// Debian's Chromium driven by playwright-core (never a downloaded browser):
// headless, no sandbox (root), no background networking. Playwright gives
// each launch a fresh temporary profile itself (it refuses --user-data-dir).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian installs Chromium (scripts/install-test-deps.sh). */
export const chromiumPath = '/usr/bin/chromium';

/** Launches Chromium; fails with the fix when it is missing. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run scripts/install-test-deps.sh (Debian package chromium)`);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
