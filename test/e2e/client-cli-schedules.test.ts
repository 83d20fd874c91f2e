/**
 * Schedules end to end: flowy-client creates a per-second schedule on a real flowy-server, its
 * ticks fire in the server, and a real daemon-flowy runs the jobs to success.
 */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { clientOnPath, flowyClient } from "../helpers/client-cli.ts";
import { shellBlocks } from "../helpers/doc-commands.ts";
import { get } from "../helpers/http.ts";
import { cleanEnv, spawnDaemon, spawnServer, waitFor } from "../helpers/processes.ts";
import { spawnServerProcess } from "../helpers/server-process.ts";
import { tmpDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dirname, "..", "..");

// Each flowy-client run is a process start: seconds apiece on a loaded machine.
const CLI_TEST_TIMEOUT_MS = 180_000;

describe("flowy-client schedule with a real daemon", () => {
  it(
    "creates a per-second schedule whose ticks enqueue jobs a daemon runs to success",
    async () => {
      const server = await spawnServer();
      const created = await flowyClient(server.url, [
        "schedule",
        "create",
        "heartbeat",
        "--cron",
        "* * * * * *",
        "--tz",
        "Europe/Berlin",
        "--tag",
        "e2e",
        "--param",
        "n=1",
        "--",
        "sh",
        "-c",
        'echo "tick from $FLOWY_JOB_ID"',
      ]);
      expect(created.stderr).toBe("");
      expect(created.exitCode).toBe(0);
      expect(created.stdout).toMatch(
        /^Schedule heartbeat created: "\* \* \* \* \* \*" in Europe\/Berlin, next run .+ \(overlap skip, catch-up one\)$/m,
      );
      spawnDaemon(server.url, ["--tags", "e2e"]);

      const succeeded = await waitFor(
        "a job of the schedule to succeed",
        async () => {
          const { recent } = (await get(`${server.api}/schedules/heartbeat`)).body;
          for (const tick of recent ?? []) {
            if (!tick.job_id) continue;
            const job = (await get(`${server.api}/jobs/${tick.job_id}`)).body;
            if (job.state === "succeeded") return job;
          }
          return undefined;
        },
        60_000,
      );
      expect(succeeded).toMatchObject({ name: "heartbeat", tags: ["e2e"], inputs: { n: 1 } });
      expect((await get(`${server.api}/jobs/${succeeded.id}/logs`)).body).toContain(
        `tick from ${succeeded.id}`,
      );

      const paused = await flowyClient(server.url, ["schedule", "pause", "heartbeat"]);
      expect(paused.stdout).toMatch(/Schedule heartbeat: .* paused/);
      const shown = await flowyClient(server.url, ["schedule", "show", "heartbeat"]);
      expect(shown.exitCode).toBe(0);
      expect(shown.stdout).toMatch(/^Last tick: \S+Z$/m);
      expect(shown.stdout).toMatch(/^Last job: \S+ \(\w+\)$/m);
      expect(shown.stdout).toContain("Next runs: none (paused)");
      expect(shown.stdout).toContain(succeeded.id);
      const listed = await flowyClient(server.url, ["-o", "json", "schedule", "list"]);
      expect(JSON.parse(listed.stdout).schedules.map((s: { name: string }) => s.name)).toEqual(["heartbeat"]);
      const deleted = await flowyClient(server.url, ["schedule", "delete", "heartbeat"]);
      expect(deleted.stdout).toContain("Schedule heartbeat deleted (its jobs stay).");
      const missing = await flowyClient(server.url, ["schedule", "show", "heartbeat"]);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toMatch(/schedule list/);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

describe("docs/schedules.md's examples", () => {
  it(
    "run as written against a server with its daemon",
    async () => {
      const server = await spawnServerProcess(["--with-daemon", "--db", join(tmpDir(), "flowy.db")], {
        ...cleanEnv(),
        FLOWY_STATE_DIR: tmpDir("flowy-docs-state-"),
        FLOWY_LOG_LEVEL: "warn",
      });
      const cwd = tmpDir("flowy-docs-");
      cpSync(join(ROOT, "docs", "examples"), join(cwd, "docs", "examples"), { recursive: true });
      const bin = clientOnPath(cwd);
      const blocks = shellBlocks(readFileSync(join(ROOT, "docs", "schedules.md"), "utf8")).filter((b) =>
        ["Try it", "Creating schedules"].includes(b.heading),
      );
      expect(blocks).toHaveLength(2);
      for (const block of blocks) {
        const result = await execa("bash", ["-euo", "pipefail", "-c", block.script], {
          cwd,
          env: cleanEnv({ FLOWY_SERVER: server.url, PATH: `${bin}:${process.env.PATH}` }),
          reject: false,
          all: true,
          timeout: 120_000,
          stdin: "ignore",
        });
        expect(result.exitCode, `${block.heading}:\n${block.script}\n---\n${result.all}`).toBe(0);
        if (block.heading === "Try it") expect(result.stdout).toMatch(/^Last job: \S+ \(\w+\)$/m);
      }
      const names = (await get(`${server.url}/api/v1/schedules`)).body.schedules.map(
        (s: { name: string }) => s.name,
      );
      expect(names).toEqual(["backfill", "nightly-etl", "reports"]);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
