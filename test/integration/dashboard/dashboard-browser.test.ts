/**
 * The dashboard in a real headless Chromium against a real server: what a person sees change
 * without reloading. Each test has its own server; the browser is shared to keep the suite quick.
 */
import { gzipSync } from "node:zlib";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeBrowser,
  LIVE_TIMEOUT_MS,
  launchBrowser,
  markNoReload,
  withPage as openPage,
  screenshot,
  type TestBrowser,
} from "../../helpers/browser.ts";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { type JobState, STATE_LOOKS } from "../../../shared/states.ts";
import { startServer } from "../../helpers/server.ts";

const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: LIVE_TIMEOUT_MS });

let browser: TestBrowser;

const withPage = (url: string, use: (page: Page) => Promise<void>) => openPage(browser, url, use);

async function claim(api: string, workerId = "w-1") {
  const [job] = (await post(`${api}/jobs/claim`, { worker_id: workerId, capacity: 1, tags: ["linux"] })).body
    .jobs;
  return { job, lease: { worker_id: workerId, lease_token: job.lease_token as string } };
}

/** The workflow the heartbeats below report on (the server checks a workflow at submit). */
const ETL_WORKFLOW = {
  version: 1,
  flows: { main: { graph: "fetch >> (clean & enrich) >> save" } },
  tasks: { fetch: { run: "true" }, clean: { run: "true" }, enrich: { run: "true" }, save: { run: "true" } },
};

/** The ETL workflow, submitted and claimed by worker w-1: a running job with a task graph. */
async function runningWorkflow(api: string) {
  const spec = makeJobSpec({ name: "etl", spec: { workflow: ETL_WORKFLOW }, tags: ["linux"] });
  const submitted = (await post(`${api}/jobs`, spec)).body;
  const { lease } = await claim(api);
  return { submitted, lease };
}

describeBrowser("dashboard in a browser", () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows a job submitted through the API on the overview and the jobs list without a reload", async () => {
    const { url, api } = await startServer();
    await post(`${api}/workers/register`, {
      worker_id: "w-1",
      hostname: "build-01",
      tags: ["linux"],
      capacity: 4,
    });
    await withPage(`${url}/`, async (page) => {
      const notReloaded = await markNoReload(page);
      const pending = page.locator('.card[data-state="pending"] .card-count');
      await eventually(() => pending.textContent()).toBe("0");
      await post(`${api}/jobs`, makeJobSpec({ name: "nightly-report", tags: ["linux"] }));
      await eventually(() => pending.textContent()).toBe("1");
      // Keyboard only: "?" shows the shortcuts, Escape closes them, "g j" opens the jobs list.
      await page.keyboard.press("?");
      await page.locator("dialog .shortcuts").waitFor();
      await page.keyboard.press("Escape");
      await page.locator("dialog").waitFor({ state: "detached" });
      await page.keyboard.press("g");
      await page.keyboard.press("j");
      await page.locator("nav.tabs").waitFor();
      const job = (await post(`${api}/jobs`, makeJobSpec({ name: "fresh-job" }))).body;
      await page.locator(`tr[data-job-id="${job.id}"]`).waitFor();
      expect(await page.locator(`tr[data-job-id="${job.id}"] .badge`).textContent()).toContain("Pending");
      expect(await notReloaded()).toBe(true);
      await screenshot(page, "jobs");
      await page.goto(`${url}/#/`);
      await pending.waitFor();
      await screenshot(page, "overview");
    });
  });

  it("searches every job on the server from the Jobs page, and sorts by duration", async () => {
    const { url, api } = await startServer();
    const ids: Record<string, string> = {};
    for (const [name, tags] of [
      ["etl-daily", ["etl", "gpu"]],
      ["ETL-hourly", ["etl"]],
      ["report", []],
    ] as const) {
      ids[name] = (await post(`${api}/jobs`, makeJobSpec({ name, tags: [...tags] }))).body.id;
    }
    await withPage(`${url}/#/jobs`, async (page) => {
      const rows = page.locator("tbody tr[data-job-id]");
      await eventually(() => rows.count()).toBe(3);
      await page.locator("#job-search").fill("etl");
      await page.locator('input[name="tag"]').fill("gpu");
      await page.locator('form.filters button[type="submit"]').click();
      await eventually(() => rows.count()).toBe(1);
      expect(await rows.first().getAttribute("data-job-id")).toBe(ids["etl-daily"]);
      expect(page.url()).toMatch(/name=etl/);
      await page.locator('form.filters input[name="tag"]').fill("");
      await page.locator('form.filters button[type="submit"]').click();
      await eventually(() => rows.count()).toBe(2);
      await page.locator('th a.sort:has-text("Duration")').click();
      // Sorting by duration lists finished jobs only: none of these has run.
      await eventually(() => page.locator("td.empty").count()).toBe(1);
      expect(page.url()).toMatch(/sort=duration/);
      await screenshot(page, "jobs-search");
    });
  });

  it("requeues every job matching the search after confirming the count, and nothing else", async () => {
    const { url, api } = await startServer();
    const submitCanceled = async (name: string) => {
      const id = (await post(`${api}/jobs`, makeJobSpec({ name }))).body.id as string;
      await post(`${api}/jobs/${id}/cancel`);
      return id;
    };
    const nightly = [await submitCanceled("nightly-a"), await submitCanceled("nightly-b")];
    const other = await submitCanceled("other");
    await withPage(`${url}/#/jobs?state=canceled&name=nightly`, async (page) => {
      await expect
        .poll(() => page.locator("tbody tr[data-job-id]").count(), { timeout: LIVE_TIMEOUT_MS })
        .toBe(2);
      await page.locator('button[data-bulk="requeue"]').click();
      const dialog = page.locator("dialog #confirm-text");
      await dialog.waitFor();
      expect(await dialog.textContent()).toMatch(/^Requeue 2 jobs matching this search\?/);
      await page.locator('dialog button[value="yes"]').click();
      await expect
        .poll(() => page.locator(".bulk-status").textContent(), { timeout: LIVE_TIMEOUT_MS })
        .toBe("Done: 2 of 2 changed, 0 refused.");
      await screenshot(page, "jobs-bulk");
    });
    for (const id of nightly) expect((await get(`${api}/jobs/${id}`)).body.state).toBe("pending");
    expect((await get(`${api}/jobs/${other}`)).body.state).toBe("canceled");
  });

  it("streams a running job's log and task states, and an admin cancels it live", async () => {
    const { url, api } = await startServer();
    const { submitted, lease } = await runningWorkflow(api);
    await withPage(`${url}/#/jobs/${submitted.id}`, async (page) => {
      const notReloaded = await markNoReload(page);
      const log = page.locator("pre.log[role=log]");
      await page.locator(".page-head .badge", { hasText: "Running" }).waitFor();
      await post(`${api}/jobs/${submitted.id}/logs`, { ...lease, offset: 0, data: "fetching 3 files\n" });
      await eventually(() => log.textContent()).toBe("fetching 3 files\n");
      await post(`${api}/jobs/${submitted.id}/logs`, { ...lease, offset: 17, data: "cleaning\n" });
      await eventually(() => log.textContent()).toBe("fetching 3 files\ncleaning\n");
      const tasks = [
        { name: "fetch", state: "succeeded" },
        { name: "clean", state: "running", needs: ["fetch"] },
        { name: "enrich", state: "failed", needs: ["fetch"] },
        { name: "save", state: "pending", needs: ["clean", "enrich"] },
      ];
      await post(`${api}/jobs/${submitted.id}/heartbeat`, { ...lease, tasks });
      await page.locator('g.node[data-task="clean"][data-state="running"]').waitFor();
      expect(await page.locator("g.node").count()).toBe(4);
      expect(await page.locator("path.edge").count()).toBe(4);
      await screenshot(page, "job");

      await page.locator('button[data-action="cancel"]').click();
      await page.locator("dialog button[value=yes]").click();
      await page.locator(".page-head .badge", { hasText: "Cancelling" }).waitFor();
      // The worker stops the job and reports; the page follows to the final state.
      await post(`${api}/jobs/${submitted.id}/failed`, { ...lease, message: "stopped: cancel requested" });
      await page.locator(".page-head .badge", { hasText: "Canceled" }).waitFor();
      expect(await page.locator('button[data-action="requeue"]').isVisible()).toBe(true);
      expect(await page.locator('button[data-action="cancel"]').count()).toBe(0);
      expect(await notReloaded()).toBe(true);
      await screenshot(page, "job-canceled");
    });
  });

  it("draws state icons as inline SVG from the state module, with no emoji anywhere on the page", async () => {
    const { url, api } = await startServer();
    const { submitted, lease } = await runningWorkflow(api);
    const tasks = [
      { name: "fetch", state: "succeeded" },
      { name: "clean", state: "failed", needs: ["fetch"] },
      { name: "enrich", state: "skipped", needs: ["fetch"] },
      { name: "save", state: "pending", needs: ["clean", "enrich"] },
    ];
    await post(`${api}/jobs/${submitted.id}/heartbeat`, { ...lease, tasks });
    await post(
      `${api}/jobs`,
      makeJobSpec({ name: "later", run_at: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    const noEmoji = async (page: Page) =>
      expect(await page.evaluate(() => document.body.textContent)).not.toMatch(/\p{Extended_Pictographic}/u);
    await withPage(`${url}/#/jobs/${submitted.id}`, async (page) => {
      await page.locator('g.node[data-task="clean"] svg.icon[data-icon="cross"]').waitFor();
      expect(await page.locator('g.node[data-task="enrich"] svg.icon').getAttribute("data-icon")).toBe(
        "skip",
      );
      expect(
        await page.locator('.page-head .badge[data-state="running"] svg.icon').getAttribute("data-icon"),
      ).toBe(STATE_LOOKS.running.icon);
      await noEmoji(page);
      await page.goto(`${url}/#/jobs`);
      await page.locator('tbody .badge[data-state="scheduled"]').waitFor();
      for (const state of ["running", "scheduled"] as const) {
        expect(
          await page.locator(`tbody .badge[data-state="${state}"] svg.icon`).getAttribute("data-icon"),
        ).toBe(STATE_LOOKS[state].icon);
      }
      await noEmoji(page);
      await page.goto(`${url}/#/`);
      await page.locator('.card[data-state="timed_out"] svg.icon').waitFor();
      const cards = await page
        .locator(".card[data-state]")
        .evaluateAll((els) =>
          els.map((el) => [
            el.getAttribute("data-state"),
            el.querySelector("svg.icon")?.getAttribute("data-icon"),
          ]),
        );
      expect(cards.length).toBeGreaterThan(0);
      for (const [state, drawn] of cards) expect(drawn).toBe(STATE_LOOKS[state as JobState].icon);
      expect(await page.locator("#theme svg.icon").count()).toBe(1);
      await noEmoji(page);
      await screenshot(page, "overview-icons");
    });
  });

  it("switches to Japanese and back, keeps the choice, and shows lost workers", async () => {
    let offset = -120_000;
    const { url, api } = await startServer({ clock: () => Date.now() + offset });
    await post(`${api}/workers/register`, { worker_id: "old-box", hostname: "old", capacity: 2 });
    offset = 0;
    await post(`${api}/workers/register`, {
      worker_id: "w-1",
      hostname: "build-01",
      tags: ["linux"],
      capacity: 2,
    });
    await post(`${api}/jobs`, makeJobSpec({ tags: ["linux"] }));
    await claim(api);
    await withPage(`${url}/#/workers`, async (page) => {
      await page.locator('tr[data-worker-id="old-box"].lost').waitFor();
      expect(await page.locator('tr[data-worker-id="w-1"] .status').textContent()).toBe("Active");
      await screenshot(page, "workers");
      await page.selectOption("#lang", "ja");
      await page.locator("nav.nav a", { hasText: "ワーカー" }).waitFor();
      expect(await page.getAttribute("html", "lang")).toBe("ja");
      expect(await page.locator('tr[data-worker-id="old-box"] .status').textContent()).toBe("消失");
      await page.reload();
      await page.locator("nav.nav a", { hasText: "ジョブ" }).waitFor();
      await page.goto(`${url}/#/`);
      await page.locator('.card[data-state="running"]', { hasText: "実行中" }).waitFor();
      await screenshot(page, "overview-ja");
      await page.locator("#theme").click();
      await page.locator("#theme").click();
      expect(await page.getAttribute("html", "data-theme")).toBe("dark");
      await screenshot(page, "overview-ja-dark");
      await page.selectOption("#lang", "en");
      await page.locator("nav.nav a", { hasText: "Workers" }).waitFor();
      await page.setViewportSize({ width: 390, height: 800 });
      await page.goto(`${url}/#/jobs`);
      await page.locator("tr[data-job-id]").first().waitFor();
      await screenshot(page, "jobs-phone");
    });
  });

  it("says on a waiting job's page why it is not running, and stops saying it once it runs", async () => {
    const { url, api } = await startServer();
    const job = (await post(`${api}/jobs`, makeJobSpec({ name: "needs-gpu", tags: ["a100"] }))).body;
    await withPage(`${url}/#/jobs/${job.id}`, async (page) => {
      const why = page.locator('section.why[data-reason="no_worker"]');
      await why.locator("p", { hasText: "a100" }).waitFor();
      await screenshot(page, "job-why");
      await post(`${api}/jobs/claim`, { worker_id: "gpu-1", capacity: 1, tags: ["a100"] });
      await page.locator(".page-head .badge[data-state=running]").waitFor();
      await eventually(() => page.locator("section.why").count()).toBe(0);
    });
  });

  it("drains a worker from the Workers page after a confirmation", async () => {
    const { url, api } = await startServer();
    await post(`${api}/workers/register`, { worker_id: "w-1", hostname: "build-01", capacity: 2 });
    await post(`${api}/workers/register`, { worker_id: "w-2", hostname: "build-02", capacity: 2 });
    await withPage(`${url}/#/workers`, async (page) => {
      const row = page.locator('tr[data-worker-id="w-1"]');
      await row.locator('button[data-action="drain"]').click();
      await page.locator("dialog button[value=no]").click();
      await row.locator('button[data-action="drain"]').click();
      await page.locator("dialog button[value=yes]").click();
      await row.locator(".status.draining", { hasText: "Draining" }).waitFor();
      expect(await row.locator('button[data-action="drain"]').count()).toBe(0);
      await screenshot(page, "workers-draining");
    });
    const { workers } = (await get(`${api}/workers`)).body;
    const drained = Object.fromEntries(
      workers.map((w: { id: string; draining: boolean }) => [w.id, w.draining]),
    );
    expect(drained).toEqual({ "w-1": true, "w-2": false });
  });

  it("follows the system's colour scheme until the theme button pins light or dark", async () => {
    const { url } = await startServer();
    await withPage(`${url}/`, async (page) => {
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const theme = (value: string | null) =>
        page.evaluate((v) => {
          if (v === null) delete document.documentElement.dataset.theme;
          else document.documentElement.dataset.theme = v;
        }, value);
      const LIGHT = "rgb(246, 247, 251)";
      const DARK = "rgb(16, 19, 28)";
      await page.emulateMedia({ colorScheme: "light" });
      expect(await background()).toBe(LIGHT);
      await page.emulateMedia({ colorScheme: "dark" });
      expect(await background()).toBe(DARK);
      await theme("light");
      expect(await background()).toBe(LIGHT);
      await page.emulateMedia({ colorScheme: "light" });
      await theme("dark");
      expect(await background()).toBe(DARK);
      await theme(null);
      expect(await background()).toBe(LIGHT);
    });
  });

  it("lists bundles with their versions, which worker has which, and the history", async () => {
    const { url, api } = await startServer();
    const put = (name: string, version: string, query = "") =>
      fetch(`${api}/bundles/${name}/${version}${query}`, {
        method: "PUT",
        body: gzipSync(Buffer.from(`${name}@${version}`)),
        headers: { "content-type": "application/gzip" },
      });
    expect((await put("etl", "1.0.0", "?tags=cpu")).status).toBe(201);
    expect((await put("etl", "1.1.0", "?tags=cpu")).status).toBe(201);
    await post(`${api}/workers/register`, { worker_id: "w-1", tags: ["cpu"], capacity: 1 });
    await post(`${api}/workers/w-1/bundles`, {
      bundles: [
        {
          name: "etl",
          version: "1.1.0",
          status: "failed",
          error: "setup exited with 2",
          at: new Date().toISOString(),
        },
      ],
    });
    await withPage(`${url}/#/bundles`, async (page) => {
      const row = page.locator('tr[data-bundle="etl"]');
      await row.waitFor();
      expect(await row.locator("li[data-version]").allTextContents()).toEqual([
        expect.stringMatching(/^1\.1\.0latest/),
        expect.stringMatching(/^1\.0\.0/),
      ]);
      expect(await row.locator('li.failed[data-worker-id="w-1"]').textContent()).toContain(
        "setup exited with 2",
      );
      // A later report shows up without a reload (the page polls).
      const notReloaded = await markNoReload(page);
      await post(`${api}/workers/w-1/bundles`, {
        bundles: [{ name: "etl", version: "1.1.0", status: "installed", error: null, at: null }],
      });
      await row.locator('li.installed[data-worker-id="w-1"]').waitFor();
      expect(await notReloaded()).toBe(true);
      expect(await page.locator("table.bundles").nth(1).locator("tbody tr").count()).toBe(2);
      await screenshot(page, "bundles");
    });
  });

  it("asks for an API key when the server has keys, and keeps it in an HttpOnly cookie", async () => {
    const { url, server } = await startServer();
    const { key } = await server.keys.create("viewer", "client");
    await withPage(`${url}/`, async (page) => {
      await page.locator("#api-key").fill("flowy_not-a-key");
      await page.locator("form.login button[type=submit]").click();
      await page.locator("form.login .error", { hasText: "not valid" }).waitFor();
      await screenshot(page, "login");
      await page.locator("#api-key").fill(key);
      await page.locator("form.login button[type=submit]").click();
      await page.locator('.card[data-state="pending"]').waitFor();
      const cookie = (await browser.context.cookies(url)).find((c) => c.name === "flowy_api_key");
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
      expect(
        await page.evaluate(
          () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
        ),
      ).toBe("");
      await page.locator("#logout").click();
      await page.locator("#api-key").waitFor();
    });
  });
});
