/**
 * Scenario 8, search and bulk actions: n jobs in every kind of state (succeeded, failed with an
 * error text, pending) with a spread of names and tags, written straight into each store; then,
 * over HTTP against the real server, the operator's searches (by state and tag, name part, error
 * text, id prefix, time range, sorted by duration, and five pages deep through the cursor), and a
 * bulk requeue of everything one query matches. The bulk row also checks that the action changed
 * exactly the jobs its query matched and no other.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpTransport } from "../../../client/transport.ts";
import { DEFAULT_JOB_DEFAULTS } from "../../../server/flowy-server.ts";
import { planSubmit } from "../../../server/service/submit-plan.ts";
import { PostgresStore } from "../../../server/store/postgres/postgres-store.ts";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import type { NewJob, Store } from "../../../server/store/store.ts";
import { startServerProcess } from "../flowy/server-process.ts";
import { createScratchDatabase } from "../lib/postgres.ts";
import type { ScenarioResult, SystemRow } from "../lib/results.ts";
import { percentile, perSecond, sleep } from "../lib/stats.ts";
import type { ScenarioContext } from "./context.ts";

const FILL_BATCH = 1_000;
const RUNS_PER_QUERY = 10;
const HOUR = 3_600_000;

/** Job i: 6 in 10 succeeded, 2 failed, 2 pending; names etl-0…99, tags etl or ml; spread over a day. */
function jobAt(i: number, start: number): NewJob {
  const createdAt = start + Math.floor((i * 24 * HOUR) / 1_000_000);
  const tags = i % 3 === 0 ? ["ml"] : ["etl"];
  const job = planSubmit(
    { name: `etl-${i % 100}`, spec: { command: ["true"] }, tags },
    null,
    DEFAULT_JOB_DEFAULTS,
    createdAt,
  );
  const kind = i % 10;
  if (kind >= 8) return job;
  const finished = { attempt: 1, startedAt: createdAt + 10, finishedAt: createdAt + 10 + (i % 997) };
  if (kind >= 6)
    return { ...job, ...finished, state: "failed", error: { message: `timeout talking to db-${i % 50}` } };
  return { ...job, ...finished, state: "succeeded", result: { exit_code: 0, outputs: {} } };
}

async function fill(store: Store, n: number, start: number): Promise<void> {
  for (let done = 0; done < n; done += FILL_BATCH) {
    const jobs = Array.from({ length: Math.min(FILL_BATCH, n - done) }, (_, k) => {
      const job = jobAt(done + k, start);
      return { job, history: { event: "submit", from: null, to: job.state } as const };
    });
    await store.insertJobs(jobs);
  }
}

interface Page {
  jobs: Array<{ id: string }>;
  next_cursor: string | null;
}

async function timeQueries(http: HttpTransport, start: number): Promise<Map<string, number[]>> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const queries = [
    "state=failed&tag=etl",
    "name=etl-42",
    "error=db-17",
    "id=01",
    `created_after=${iso(start + 6 * HOUR)}&created_before=${iso(start + 7 * HOUR)}`,
    "state=succeeded&sort=duration",
  ];
  const samples = new Map<string, number[]>();
  const add = (label: string, ms: number) => samples.set(label, [...(samples.get(label) ?? []), ms]);
  for (let run = 0; run < RUNS_PER_QUERY; run++) {
    for (const query of queries) {
      const t0 = performance.now();
      await http.json<Page>("GET", `/jobs?${query}&limit=50`);
      add(query.split("&")[0]!.slice(0, 24), performance.now() - t0);
    }
    // Five pages deep: each page costs what the first did (keyset, not offset).
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const t0 = performance.now();
      const answer: Page = await http.json<Page>(
        "GET",
        `/jobs?state=failed&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      add("pages", performance.now() - t0);
      cursor = answer.next_cursor;
    }
  }
  return samples;
}

interface BulkAnswer {
  id: string;
  state: string;
  matched: number;
  changed: number;
}

/** How many jobs a filter matches now (a bulk action's dry run). */
async function count(http: HttpTransport, filter: Record<string, string>): Promise<number> {
  const body = { action: "requeue", filter, dry_run: true };
  return (await http.json<BulkAnswer>("POST", "/jobs/bulk", { body })).matched;
}

/** Requeues every failed etl job; checks the action changed exactly those and nothing else. */
async function timeBulk(http: HttpTransport): Promise<{ ms: number; changed: number }> {
  const failedEtl = await count(http, { state: "failed", tag: "etl" });
  const failedMl = await count(http, { state: "failed", tag: "ml" });
  const t0 = performance.now();
  let progress = await http.json<BulkAnswer>("POST", "/jobs/bulk", {
    body: { action: "requeue", filter: { state: "failed", tag: "etl" } },
  });
  while (progress.state === "running") {
    await sleep(20);
    progress = await http.json<BulkAnswer>("GET", `/jobs/bulk/${progress.id}`);
  }
  const ms = performance.now() - t0;
  if (progress.state !== "finished" || progress.changed !== failedEtl)
    throw new Error(
      `bulk requeue ${progress.state}: changed ${progress.changed} of ${failedEtl} matching jobs`,
    );
  const after = [
    await count(http, { state: "failed", tag: "etl" }),
    await count(http, { state: "failed", tag: "ml" }),
  ];
  if (after[0] !== 0 || after[1] !== failedMl)
    throw new Error(
      `bulk requeue touched jobs outside its query: failed etl ${after[0]}, failed ml ${after[1]} (was ${failedMl})`,
    );
  return { ms, changed: progress.changed };
}

async function measure(ctx: ScenarioContext, system: string, db: string, open: () => Promise<Store>) {
  const n = ctx.sizes.searchJobs;
  const start = Date.now() - 25 * HOUR;
  const store = await open();
  const t0 = performance.now();
  try {
    await fill(store, n, start);
  } finally {
    await store.close();
  }
  ctx.log(`search ${system}: filled ${n} jobs in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const server = await startServerProcess({ db, nodeArgs: ctx.serverNodeArgs });
  try {
    const http = new HttpTransport({ baseUrl: server.api });
    const byQuery = await timeQueries(http, start);
    const samples = [...byQuery.values()].flat();
    const slowest = [...byQuery].map(([q, ms]) => `${q} ${Math.max(...ms).toFixed(1)}`).join(", ");
    ctx.log(`search ${system}: slowest ms by query: ${slowest}`);
    const bulk = await timeBulk(http);
    ctx.log(`search ${system}: bulk requeue of ${bulk.changed} jobs in ${Math.round(bulk.ms)} ms`);
    return {
      system,
      values: {
        "search p50 ms": percentile(samples, 50),
        "search p99 ms": percentile(samples, 99),
        "bulk jobs": bulk.changed,
        "bulk jobs/s": perSecond(bulk.changed, bulk.ms),
      },
    };
  } finally {
    await server.stop();
  }
}

export async function runSearch(ctx: ScenarioContext): Promise<ScenarioResult> {
  const rows: SystemRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), "flowy-bench-search-"));
  try {
    const path = join(dir, "flowy.db");
    rows.push(await measure(ctx, "flowy (sqlite)", path, async () => new SqliteStore({ path })));
    if (ctx.postgres) {
      const scratch = await createScratchDatabase("search");
      try {
        rows.push(
          await measure(ctx, "flowy (postgres)", scratch.url, () => PostgresStore.open({ url: scratch.url })),
        );
      } finally {
        await scratch.drop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: "search",
    title: `8. Search and bulk requeue over ${ctx.sizes.searchJobs.toLocaleString("en-US")} jobs (HTTP, ${RUNS_PER_QUERY}× 6 searches + 5 pages)`,
    columns: ["search p50 ms", "search p99 ms", "bulk jobs", "bulk jobs/s"],
    rows,
  };
}
