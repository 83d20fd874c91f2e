/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) with a fresh profile,
 * for the dashboard's browser tests. Screenshots go to test-results/ (gitignored) to be looked at.
 * Without a browser the tests are skipped with one line saying how to run them, unless
 * FLOWY_REQUIRE_BROWSER=1 (set by .ci/run): then a missing browser fails them, so CI never skips.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { describe, expect } from "vitest";

export const CHROMIUM = process.env.FLOWY_TEST_CHROMIUM ?? "/usr/bin/chromium";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const required = process.env.FLOWY_REQUIRE_BROWSER === "1";
const available = required || executable(CHROMIUM);
if (!available) {
  process.stderr.write(
    `Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set FLOWY_TEST_CHROMIUM=PATH; FLOWY_REQUIRE_BROWSER=1 makes this a failure).\n`,
  );
}

/** `describe` for tests that need the browser: skipped without one, unless it is required. */
export const describeBrowser = describe.skipIf(!available);
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

/** Live updates are throttled to about one a second: give them time on a busy machine. */
export const LIVE_TIMEOUT_MS = 10_000;

/**
 * Opens `url` in a new page for `use`, then checks the page threw no error and closes it before
 * the test's server closes, so no live stream holds the server open.
 */
export async function withPage(
  browser: TestBrowser,
  url: string,
  use: (page: Page) => Promise<void>,
): Promise<void> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(LIVE_TIMEOUT_MS);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  try {
    await page.goto(url);
    await use(page);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
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
