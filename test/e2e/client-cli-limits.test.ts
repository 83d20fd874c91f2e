/** flowy-client limits and submit --concurrency-key, the real binary against a real server. */
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { get, post } from "../helpers/http.ts";
import { startServer } from "../helpers/server.ts";

// Each flowy-client run is a process start: seconds apiece on a loaded machine.
const CLI_TEST_TIMEOUT_MS = 180_000;

describe("flowy-client limits", () => {
  it(
    "sets, lists and deletes limits, and submit sends a concurrency key and limit",
    async () => {
      const { url, api } = await startServer();
      const set = await flowyClient(url, ["limits", "set", "customer-*", "--concurrency", "2"]);
      expect(set.exitCode).toBe(0);
      expect(set.stdout).toContain("At most 2 running at once per key matching customer-*.");
      const list = await flowyClient(url, ["limits", "list"]);
      expect(list.stdout).toMatch(/^customer-\* +2 +- +-$/m);

      const submitted = await flowyClient(url, [
        "-o",
        "json",
        "submit",
        "--concurrency-key",
        "customer-9",
        "--concurrency-limit",
        "4",
        "--",
        "true",
      ]);
      const job = JSON.parse(submitted.stdout);
      expect(job).toMatchObject({ concurrency_key: "customer-9", concurrency_limit: 4 });
      expect((await get(`${api}/jobs/${job.id}`)).body.concurrency_key).toBe("customer-9");

      expect((await flowyClient(url, ["limits", "delete", "customer-*"])).stdout).toContain(
        "Limit for customer-* deleted.",
      );
      const missing = await flowyClient(url, ["limits", "delete", "customer-*"]);
      expect(missing.exitCode).toBe(0);
      expect(missing.stderr).toContain("No limit was declared for customer-*");
      expect(JSON.parse((await flowyClient(url, ["-o", "json", "limits", "list"])).stdout)).toEqual({
        limits: [],
      });
      const claimed = await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 1 });
      expect(claimed.body.jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    "sets a rate beside a concurrency, lists the window's starts, and explains a job held back by it",
    async () => {
      const { url, api } = await startServer();
      const set = await flowyClient(url, ["limits", "set", "api-*", "--rate", "1/min", "--concurrency", "3"]);
      expect(set.exitCode).toBe(0);
      expect(set.stdout).toContain(
        "At most 3 running at once and at most 1 starts per min per key matching api-*.",
      );
      await post(`${api}/workers/register`, { worker_id: "w", tags: [], capacity: 4 });
      const spec = { spec: { command: ["true"] }, concurrency_key: "api-1" };
      await post(`${api}/jobs`, spec);
      const held = (await post(`${api}/jobs`, spec)).body;
      const [first] = (await post(`${api}/jobs/claim`, { worker_id: "w", capacity: 2 })).body.jobs;
      const list = await flowyClient(url, ["limits", "list"]);
      expect(list.stdout).toMatch(/^KEY +CONCURRENCY +RATE +STARTS IN WINDOW$/m);
      expect(list.stdout).toMatch(/^api-\* +3 +1\/min +1\/1 \(api-1\)$/m);
      const explained = await flowyClient(url, ["explain", held.id]);
      const nextAt = new Date(Date.parse(first.started_at) + 60_000).toISOString();
      expect(explained.stdout).toContain(
        `rate-limited: key api-1 allows 1 starts per min; next start at ${nextAt}`,
      );
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    "needs --concurrency or --rate, and refuses a limit below 1 or a rate it cannot read, with a hint",
    async () => {
      const { url } = await startServer();
      const missing = await flowyClient(url, ["limits", "set", "k"]);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toMatch(/--concurrency/);
      const zero = await flowyClient(url, ["limits", "set", "k", "--concurrency", "0"]);
      expect(zero.exitCode).toBe(1);
      expect(zero.stderr).toMatch(/concurrency/);
      const daily = await flowyClient(url, ["limits", "set", "k", "--rate", "5/day"]);
      expect(daily.exitCode).toBe(1);
      expect(daily.stderr).toMatch(/N\/s, N\/min or N\/h/);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
