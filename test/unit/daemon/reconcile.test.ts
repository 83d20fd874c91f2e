/**
 * Reconcile never signals a saved pid that now names another process: after a reboot (another
 * boot id, or a pid file older than the boot) or a pid reused by something else.
 */
import { spawn } from "node:child_process";
import { existsSync, utimesSync, writeFileSync } from "node:fs";
import pino from "pino";
import { describe, expect, it, onTestFinished } from "vitest";
import type { RunContext } from "../../../daemon/job-run.ts";
import { LeaseKeeper } from "../../../daemon/leases/lease-keeper.ts";
import { processGroupsOnly } from "../../../daemon/process/cgroup.ts";
import { JobDir } from "../../../daemon/process/job-dir.ts";
import { identify } from "../../../daemon/process/process-identity.ts";
import { reconcile } from "../../../daemon/reconcile.ts";
import type { ClaimedJob } from "../../../shared/protocol.ts";
import { isAlive } from "../../helpers/processes.ts";
import { tmpDir } from "../../helpers/tmp.ts";

/** A process that is not the job's: it must survive reconcile. */
function bystander(): number {
  const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  child.unref();
  onTestFinished(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone already
    }
  });
  return child.pid!;
}

/** A job directory a previous daemon left, whose pid file names `pid`. */
async function leftover(root: string, pid: number): Promise<JobDir> {
  const job = {
    id: `job${Math.random().toString(36).slice(2, 8)}`,
    attempt: 1,
    lease_s: 60,
    lease_token: "old",
  };
  const dir = new JobDir(root, job.id);
  await dir.stage({ ...job, spec: { shell: "true" }, inputs: {} } as unknown as ClaimedJob, Date.now());
  writeFileSync(dir.file("pid"), `${pid}\n`);
  return dir;
}

async function reconcileNothingHeld(root: string) {
  const report = async () => ({ job_id: "", ok: true });
  const context = {
    jobsRoot: root,
    keeper: new LeaseKeeper({ send: report }),
    report,
    logger: pino({ level: "silent" }),
    killGraceMs: 200,
    now: Date.now,
    containment: processGroupsOnly,
  } as unknown as RunContext;
  return reconcile({
    client: { running: async () => [] },
    manager: { adopt: () => {} },
    context,
    logger: context.logger,
  });
}

describe.skipIf(process.platform !== "linux")("reconcile and saved pids", () => {
  it("does not signal a pid saved in another boot, nor one whose start time differs", async () => {
    const root = tmpDir("flowy-jobs-");
    const rebooted = bystander();
    const dirA = await leftover(root, rebooted);
    writeFileSync(
      dirA.file("identity"),
      JSON.stringify({ ...identify(rebooted), boot_id: "an-earlier-boot" }),
    );
    const reused = bystander();
    const dirB = await leftover(root, reused);
    writeFileSync(dirB.file("identity"), JSON.stringify({ ...identify(reused), start_time: "1" }));
    expect(await reconcileNothingHeld(root)).toMatchObject({ discarded: 2 });
    expect(isAlive(rebooted)).toBe(true);
    expect(isAlive(reused)).toBe(true);
    expect(existsSync(dirA.path) || existsSync(dirB.path)).toBe(false);
  });

  it("does not signal a pid from a file written before this boot, saved without an identity", async () => {
    const root = tmpDir("flowy-jobs-");
    const pid = bystander();
    const dir = await leftover(root, pid);
    const longAgo = new Date(Date.now() - 400 * 86_400_000);
    utimesSync(dir.file("pid"), longAgo, longAgo);
    await reconcileNothingHeld(root);
    expect(isAlive(pid)).toBe(true);
  });

  it("still stops the job's own process, whose identity matches", async () => {
    const root = tmpDir("flowy-jobs-");
    const pid = bystander();
    const dir = await leftover(root, pid);
    dir.writeIdentity(pid);
    await reconcileNothingHeld(root);
    expect(isAlive(pid)).toBe(false);
  });
});
