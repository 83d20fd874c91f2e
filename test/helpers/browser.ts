/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) with a fresh profile,
 * for the dashboard's browser tests. Screenshots go to test-results/ (gitignored) to be looked at.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.FLOWY_TEST_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = join(import.meta.dirname, "..", "..", "test-results", "dashboard");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "flowy-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
    locale: "en-US",
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Marks the page so a test can tell it was never reloaded. */
export async function markNoReload(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => {
    (globalThis as Record<string, unknown>).flowyTestMark = true;
  });
  return () => page.evaluate(() => (globalThis as Record<string, unknown>).flowyTestMark === true);
}
