/** The FLOWY_FENCE recipe in docs/fencing.md runs as shown: a stale fence changes nothing. */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../../helpers/tmp.ts";

const script = join(import.meta.dirname, "../../../docs/examples/fenced-write.sh");
const hasSqlite = spawnSync("sqlite3", ["-version"]).status === 0;
// In CI a missing sqlite3 is a failure, not a skip: the recipe in the docs must keep running.
if (!hasSqlite && !process.env.CI) {
  process.stderr.write("docs/examples/fenced-write.sh test skipped: no sqlite3 (apt-get install sqlite3).\n");
}

describe.skipIf(!hasSqlite && !process.env.CI)("docs/examples/fenced-write.sh", () => {
  it("writes under a newer fence and leaves the row alone under an older one", () => {
    const db = join(tmpDir(), "fenced.db");
    const run = (fence: number) =>
      spawnSync("sh", [script, db], {
        env: { ...process.env, FLOWY_JOB_ID: "j1", FLOWY_FENCE: String(fence) },
      });
    expect(run(2).stdout.toString()).toContain("under fence 2");
    const stale = run(1);
    expect(stale.status).toBe(0);
    expect(stale.stderr.toString()).toContain("a newer lease of j1");
    expect(
      execFileSync("sqlite3", [db, "SELECT fence FROM totals WHERE job_id = 'j1'"]).toString().trim(),
    ).toBe("2");
    expect(run(3).stdout.toString()).toContain("under fence 3");
  });
});
