/** flowy-client pause / resume, the real binary against a real server, with `stats` showing it. */
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { get, post } from "../helpers/http.ts";
import { makeJobSpec } from "../helpers/jobs.ts";
import { startServer } from "../helpers/server.ts";

// Each flowy-client run is a process start: seconds apiece on a loaded machine.
const CLI_TEST_TIMEOUT_MS = 180_000;

describe("flowy-client pause and resume", () => {
  it(
    "pauses a tag, shows it in stats, holds its jobs back, and resumes it",
    async () => {
      const { url, api } = await startServer();
      const job = (await post(`${api}/jobs`, makeJobSpec({ tags: ["gpu"] }))).body;

      const paused = await flowyClient(url, ["pause", "--tag", "gpu,big"]);
      expect(paused.exitCode).toBe(0);
      expect(paused.stdout).toMatch(/^Tag gpu paused \(since .+\): its jobs wait\.$/m);
      expect(paused.stdout).toMatch(/^Tag big paused/m);
      const stats = await flowyClient(url, ["stats"]);
      expect(stats.stdout).toMatch(/^gpu \(paused\) +1$/m);
      expect(stats.stdout).toContain("Paused tags: big, gpu (flowy-client resume --tag TAG)");
      const claim = await post(`${api}/jobs/claim`, { worker_id: "w", tags: ["gpu"], capacity: 1 });
      expect(claim.body.jobs).toEqual([]);
      const explained = await flowyClient(url, ["explain", job.id]);
      expect(explained.stdout.trim()).toBe(
        `Job ${job.id} waits: tag \`gpu\` is paused (flowy-client resume --tag gpu).`,
      );

      const resumed = await flowyClient(url, ["-o", "json", "resume", "--tag", "gpu", "--tag", "gpu"]);
      expect(JSON.parse(resumed.stdout)).toEqual({
        resumed: [
          { tag: "gpu", resumed: true },
          { tag: "gpu", resumed: false },
        ],
      });
      expect((await flowyClient(url, ["stats"])).stdout).toContain("Paused tags: big (");
      const after = await post(`${api}/jobs/claim`, { worker_id: "w", tags: ["gpu"], capacity: 1 });
      expect(after.body.jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
      expect((await get(`${api}/paused-tags`)).body.paused_tags.map((p: { tag: string }) => p.tag)).toEqual([
        "big",
      ]);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    "needs --tag, and says which tag was refused",
    async () => {
      const { url } = await startServer();
      const missing = await flowyClient(url, ["pause"]);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toMatch(/--tag/);
      const bad = await flowyClient(url, ["pause", "--tag", "no spaces"]);
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toMatch(/tag/);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
