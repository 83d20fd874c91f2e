/**
 * How a job that names a bundle runs from it: its cwd is the bundle's directory (a relative
 * spec.cwd is taken from there, an absolute one is kept) and $FLOWY_BUNDLE_DIR names that
 * directory. Written into the job as the daemon stages it, so every executor (command, shell,
 * workflow: its tasks' cwd start from the job's) and a re-adopted job see the same thing.
 */
import { resolve } from "node:path";
import type { ClaimedJob } from "../../shared/protocol.ts";

export function runFromBundle(job: ClaimedJob, bundleDir: string): ClaimedJob {
  return {
    ...job,
    spec: {
      ...job.spec,
      cwd: resolve(bundleDir, job.spec.cwd ?? "."),
      env: { ...job.spec.env, FLOWY_BUNDLE_DIR: bundleDir },
    },
  };
}

/** The bundle directory a staged job was run from (see runFromBundle), if any. */
export function stagedBundleDir(job: ClaimedJob | undefined): string | undefined {
  return job?.spec.bundle === undefined ? undefined : job.spec.env?.FLOWY_BUNDLE_DIR;
}
