/**
 * The workflow executor process: `node executor-main.js <job dir>`. The daemon starts it detached
 * (its pid is its process group) with stdout and stderr on the job's log. SIGTERM or SIGINT
 * cancels the workflow cooperatively: running tasks get SIGTERM, then SIGKILL after the grace in
 * stop.json (written by the daemon) or $FLOWY_TASK_GRACE_MS; tasks not started are canceled.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStopGraceMs, runWorkflowJob } from "./workflow-job.ts";

const DEFAULT_TASK_GRACE_MS = 5_000;

const jobDir = process.argv[2];
if (!jobDir) {
  process.stderr.write("usage: executor-main <job dir>\n");
  process.exit(2);
}
// The same contract as the command shim: the pid file says who to watch after a daemon restart.
writeFileSync(join(jobDir, "pid"), `${process.pid}\n`);
const controller = new AbortController();
// The daemon says in stop.json how much of its grace period the tasks get.
const stop = () => controller.abort({ graceMs: readStopGraceMs(jobDir) });
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, stop);
const graceMs = Number(process.env.FLOWY_TASK_GRACE_MS) || DEFAULT_TASK_GRACE_MS;
const write = (text: string) => process.stdout.write(text);
process.exitCode = await runWorkflowJob({ jobDir, signal: controller.signal, graceMs, write });
