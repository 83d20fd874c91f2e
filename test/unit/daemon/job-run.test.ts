/**
 * One JobRun with the real command executor and a real lease keeper: stops that arrive while the
 * job is still starting, and a lease that is already at its kill point when the job would start.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { JobRun, type RunContext } from "../../../daemon/job-run.ts";
import { createExecutors } from "../../../daemon/executors.ts";
import { processGroupsOnly } from "../../../daemon/process/cgroup.ts";
import { LeaseKeeper } from "../../../daemon/leases/lease-keeper.ts";
import { JobDir } from "../../../daemon/process/job-dir.ts";
import type { ClaimedJob, ReportItem, ReportResult } from "../../../shared/protocol.ts";
import { isAlive, waitFor } from "../../helpers/processes.ts";
import { tmpDir } from "../../helpers/tmp.ts";

const executors = createExecutors(pino({ level: "silent" }), processGroupsOnly);
afterAll(() => executors.close());

function setup() {
  const reports: ReportItem[] = [];
  const report = async (item: ReportItem): Promise<ReportResult> => {
    reports.push(item);
    return { job_id: item.job_id, ok: true, ...(item.kind === "heartbeat" ? { lease_ms: 60_000 } : {}) };
  };
  const keeper = new LeaseKeeper({ send: report });
  const context: RunContext = {
    jobsRoot: tmpDir("flowy-jobs-"),
    client: { appendLog: async (_id, _token, offset, data) => offset + Buffer.byteLength(data) },
    keeper,
    containment: processGroupsOnly,
    report,
    logger: pino({ level: "silent" }),
    killGraceMs: 1_000,
    now: Date.now,
    selectExecutor: executors.select,
  };
  const marker = join(tmpDir(), "ran");
  const job = {
    id: `job${Math.random().toString(36).slice(2, 8)}`,
    attempt: 1,
    lease_s: 60,
    lease_token: "tok",
    timeout_s: null,
    inputs: {},
    spec: { shell: `touch ${marker}; sleep 30` },
  } as unknown as ClaimedJob;
  return { reports, keeper, context, marker, job };
}

describe("JobRun", () => {
  it("applies a cancel that arrives while the job is starting: the command never runs", async () => {
    const { reports, keeper, context, marker, job } = setup();
    const run = new JobRun(job, context);
    const whole = run.runClaimed(keeper.clock());
    run.stop({ kind: "cancel" }); // staging is still under way: no process exists yet
    await whole;
    expect(existsSync(marker)).toBe(false);
    expect(reports.filter((r) => r.kind !== "heartbeat")).toMatchObject([
      { kind: "failed", message: expect.stringContaining("canceled"), retryable: false },
    ]);
  });

  it("runs nothing when the lease is already at its kill point as the job is about to start", async () => {
    const { reports, keeper, context, marker, job } = setup();
    const run = new JobRun(job, context);
    // The claim was sent 58 s ago (a hung daemon, say): 2 s of a 60 s lease left, inside its kill margin.
    await run.runClaimed(keeper.clock() - 58_000);
    expect(existsSync(marker)).toBe(false);
    expect(reports.filter((r) => r.kind !== "heartbeat")).toMatchObject([
      { kind: "failed", message: expect.stringContaining("lease"), retryable: true },
    ]);
  });

  it("does not re-adopt a job whose lease expired while the daemon was down: it stops it", async () => {
    const { reports, keeper, context, marker, job } = setup();
    // A previous daemon process started the job; its process still runs.
    const dir = new JobDir(context.jobsRoot, job.id);
    await dir.stage(job, Date.now());
    const execution = await executors.select(job.spec).start(dir, job);
    await waitFor("the job to run", () => existsSync(marker));
    // The server still lists it (its reaper has not run yet), with nothing left on the lease.
    const run = new JobRun({ ...job, lease_ms: 0 }, context);
    await run.runAdopted(dir, Date.now(), keeper.clock());
    await waitFor("the job's process to be gone", () => !isAlive(execution.pid), 20_000);
    expect(reports.filter((r) => r.kind !== "heartbeat")).toMatchObject([
      { kind: "failed", message: expect.stringContaining("lease"), retryable: true },
    ]);
  });
});
