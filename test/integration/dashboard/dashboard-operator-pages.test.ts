/**
 * The dashboard's operator pages — Schedules, Paused tags, Limits — in a real headless Chromium
 * against a real server: what is set through the API shows up, and the buttons call the server.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  LIVE_TIMEOUT_MS,
  launchBrowser,
  markNoReload,
  screenshot,
  type TestBrowser,
  withPage as openPage,
} from "../../helpers/browser.ts";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

let browser: TestBrowser;
const withPage = (url: string, use: (page: Page) => Promise<void>) => openPage(browser, url, use);
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: LIVE_TIMEOUT_MS });

describeBrowser("dashboard operator pages in a browser", () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("lists schedules with their next run, and pauses, resumes and triggers one", async () => {
    const { url, api } = await startServer();
    const job = { spec: { command: ["echo", "report"] }, tags: ["etl"] };
    await post(`${api}/schedules`, { name: "nightly", cron: "0 3 * * *", tz: "Europe/Berlin", job });
    await post(`${api}/schedules`, { name: "hourly", cron: "0 * * * *", paused: true, job });
    await withPage(`${url}/#/schedules`, async (page) => {
      const nightly = page.locator('tr[data-schedule="nightly"]');
      await nightly.waitFor();
      expect(await nightly.locator("td").nth(1).textContent()).toBe("0 3 * * *");
      expect(await nightly.locator("td").nth(2).textContent()).toBe("Europe/Berlin");
      expect(await nightly.locator("td.next time").getAttribute("datetime")).toMatch(/T0[12]:00:00/);
      expect(await page.locator('tr[data-schedule="hourly"] .status').textContent()).toBe("Paused");
      await screenshot(page, "schedules");

      await nightly.locator('button[data-action="pause"]').click();
      await page.locator('tr[data-schedule="nightly"][data-paused="true"]').waitFor();
      expect((await get(`${api}/schedules/nightly`)).body.paused).toBe(true);
      await nightly.locator('button[data-action="resume"]').click();
      await page.locator('tr[data-schedule="nightly"][data-paused="false"] td.next time').waitFor();
      expect((await get(`${api}/schedules/nightly`)).body.paused).toBe(false);

      await nightly.locator('button[data-action="trigger"]').click();
      await nightly.locator('td.last a[href^="#/jobs/"]').waitFor();
      const { jobs } = (await get(`${api}/jobs?tag=etl`)).body;
      expect(jobs).toHaveLength(1);
      expect(await nightly.locator("td.last a").getAttribute("href")).toBe(`#/jobs/${jobs[0].id}`);
      await page.locator(".announce", { hasText: `enqueued job ${jobs[0].id}` }).waitFor();
    });
  });

  it("shows a tag paused through the API and resumes it, after which its job can be claimed", async () => {
    const { url, api } = await startServer();
    await withPage(`${url}/#/`, async (page) => {
      // Keyboard only: "g p" opens the page.
      await page.locator(".card").first().waitFor();
      await page.keyboard.press("g");
      await page.keyboard.press("p");
      await page.locator("table.paused td.empty").waitFor();
      const notReloaded = await markNoReload(page);
      expect((await post(`${api}/paused-tags`, { tag: "gpu" })).status).toBe(200);
      const row = page.locator('tr[data-tag="gpu"]');
      await row.waitFor();
      expect(await row.locator('a[href*="tag=gpu"]').count()).toBe(1);
      await screenshot(page, "paused-tags");
      const job = (await post(`${api}/jobs`, makeJobSpec({ tags: ["gpu"] }))).body;
      const claim = { worker_id: "w-1", capacity: 1, tags: ["gpu"], wait_s: 0 };
      expect((await post(`${api}/jobs/claim`, claim)).body.jobs).toEqual([]);
      await row.locator('button[data-action="resume"]').click();
      await page.locator("table.paused td.empty").waitFor();
      expect(await notReloaded()).toBe(true);
      expect((await get(`${api}/paused-tags`)).body.paused_tags).toEqual([]);
      expect((await post(`${api}/jobs/claim`, claim)).body.jobs.map((j: { id: string }) => j.id)).toEqual([
        job.id,
      ]);
    });
  });

  it("shows declared limits and each key's jobs in use and waiting, following them live", async () => {
    const { url, api } = await startServer();
    await post(`${api}/limits`, { key: "customer-*", concurrency: 2 });
    for (let i = 0; i < 3; i++) await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "customer-1" }));
    await post(`${api}/jobs`, makeJobSpec({ concurrency_key: "solo" }));
    const claimed = (await post(`${api}/jobs/claim`, { worker_id: "w-1", capacity: 10, tags: [] })).body.jobs;
    expect(claimed).toHaveLength(3);
    await withPage(`${url}/#/limits`, async (page) => {
      const pattern = page.locator('tr[data-pattern="customer-*"]');
      await pattern.waitFor();
      expect(await pattern.locator("td.limit").textContent()).toBe("2 per key");
      expect(await pattern.locator("td.in-use").textContent()).toBe("2");
      expect(await pattern.locator("td.waiting").textContent()).toBe("1");
      const key = page.locator('tr[data-key="customer-1"]');
      expect(await key.locator("td.in-use").textContent()).toBe(" 2/2");
      expect(await key.locator("td.limit").textContent()).toBe("2 from customer-*");
      expect(await page.locator('tr[data-key="solo"] td.limit').textContent()).toBe("1 default");
      await screenshot(page, "limits");

      // A job of customer-1 ends: its slot frees and the page follows without a reload.
      const notReloaded = await markNoReload(page);
      const done = claimed.find((j: { concurrency_key: string }) => j.concurrency_key === "customer-1");
      await post(`${api}/jobs/${done.id}/complete`, { worker_id: "w-1", lease_token: done.lease_token });
      await eventually(() => pattern.locator("td.in-use").textContent()).toBe("1");
      await post(`${api}/limits`, { key: "solo", concurrency: 5 });
      await page.locator('tr[data-pattern="solo"]').waitFor();
      await eventually(() => page.locator('tr[data-key="solo"] td.limit').textContent()).toBe("5 from solo");
      expect(await notReloaded()).toBe(true);
      // On a phone the header wraps and the tables stack: nothing scrolls sideways.
      await page.setViewportSize({ width: 390, height: 800 });
      await eventually(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      await screenshot(page, "limits-phone");
    });
  });
});
