/**
 * Why a job is not running, decided from facts read beforehand (a pure planner, testable without
 * a store). For a pending job the checks go in the order a claim applies them: a paused tag, no
 * live worker with the job's tags, none of those with its bundle version installed (as the
 * workers last reported), its concurrency key at its limit, its key's rate used up for the
 * current window; failing none, it is in line.
 */
import { isForTags } from "../../shared/bundle-ref.ts";
import { type Rate, windowName } from "../../shared/rate.ts";
import type { JobRecord, WorkerRecord } from "../model/records.ts";

export type ExplainCode =
  | "running"
  | "finished"
  | "awaiting_parent"
  | "scheduled"
  | "paused"
  | "no_worker"
  | "no_bundle"
  | "concurrency_limit"
  | "rate_limited"
  | "in_line";

export interface Explanation {
  code: ExplainCode;
  message: string;
  details: Record<string, unknown>;
}

export interface ExplainFacts {
  job: JobRecord;
  parent: JobRecord | undefined;
  pausedTags: string[];
  /** Workers seen recently (not lost). */
  liveWorkers: WorkerRecord[];
  /** The job's key at its limit: the limit and the leased jobs holding it; undefined when it has room. */
  keyFull: { limit: number; holders: string[] } | undefined;
  /** The job's key out of starts for the current window: its rate and when it may start again. */
  rateFull?: { rate: Rate; nextAt: number };
  /** Pending jobs before it in claim order. */
  ahead: number;
  /**
   * For a job naming a bundle: the version it needs (pinned, else the latest stored; null when
   * nothing of the name is stored) and the latest stored one.
   */
  bundle?: { wanted: string | null; latest: string | null; tags: string[] };
}

const iso = (ms: number | null) => (ms === null ? "?" : new Date(ms).toISOString());

export function explainJob(f: ExplainFacts): Explanation {
  const { job } = f;
  switch (job.state) {
    case "running":
    case "cancelling":
      return {
        code: "running",
        message: `Job ${job.id} is ${job.state} on worker ${job.workerId}.`,
        details: { worker_id: job.workerId },
      };
    case "awaiting":
      return {
        code: "awaiting_parent",
        message: `Job ${job.id} is awaiting parent ${job.parentId} (${f.parent ? f.parent.state : "not found"}); it becomes pending when that one succeeds.`,
        details: { parent_id: job.parentId, parent_state: f.parent?.state ?? null },
      };
    case "scheduled":
      return explainScheduled(job);
    case "pending":
      return explainPending(f);
    default:
      return {
        code: "finished",
        message: `Job ${job.id} is ${job.state}: it will not run unless requeued.`,
        details: {},
      };
  }
}

function explainScheduled(job: JobRecord): Explanation {
  const retry = job.attempt > 0 && job.error !== null;
  const why = retry ? ` (backoff after attempt ${job.attempt} failed: ${job.error?.message})` : "";
  return {
    code: "scheduled",
    message: `Job ${job.id} is scheduled until ${iso(job.runAt)}${why}.`,
    details: {
      run_at: iso(job.runAt),
      ...(retry ? { attempt: job.attempt, error: job.error?.message } : {}),
    },
  };
}

function explainPending(f: ExplainFacts): Explanation {
  const { job } = f;
  const paused = job.tags.filter((t) => f.pausedTags.includes(t));
  if (paused.length > 0) {
    return {
      code: "paused",
      message: `Job ${job.id} waits: tag ${paused.map((t) => `\`${t}\``).join(", ")} is paused (flowy-client resume --tag ${paused[0]}).`,
      details: { paused_tags: paused },
    };
  }
  const able = f.liveWorkers.filter((w) => job.tags.every((t) => w.tags.includes(t)));
  if (able.length === 0) {
    const closest = closestWorkers(job.tags, f.liveWorkers);
    const near = closest.length
      ? ` Closest: ${closest.map((c) => `${c.worker_id} (lacks ${c.missing.join(", ")})`).join("; ")}.`
      : " No worker is live at all.";
    return {
      code: "no_worker",
      message: `Job ${job.id} waits: no live worker has tags ⊇ {${job.tags.join(", ")}}.${near}`,
      details: { tags: job.tags, closest },
    };
  }
  const withBundle =
    job.bundleName === null ? able : able.filter((w) => hasBundle(w, job.bundleName!, f.bundle?.wanted));
  if (withBundle.length === 0) return explainNoBundle(f, able);
  if (f.keyFull) {
    return {
      code: "concurrency_limit",
      message: `Job ${job.id} waits: concurrency key \`${job.concurrencyKey}\` is at its limit (${f.keyFull.limit}), held by jobs ${f.keyFull.holders.join(", ")}.`,
      details: { concurrency_key: job.concurrencyKey, limit: f.keyFull.limit, held_by: f.keyFull.holders },
    };
  }
  if (f.rateFull) {
    const { rate, nextAt } = f.rateFull;
    return {
      code: "rate_limited",
      message: `Job ${job.id} waits: rate-limited: key ${job.concurrencyKey} allows ${rate.limit} starts per ${windowName(rate.windowMs)}; next start at ${iso(nextAt)}.`,
      details: {
        concurrency_key: job.concurrencyKey,
        rate_limit: rate.limit,
        window_ms: rate.windowMs,
        next_start_at: iso(nextAt),
      },
    };
  }
  return {
    code: "in_line",
    message: `Job ${job.id} is pending, number ${f.ahead + 1} in line (${f.ahead} ahead of it); ${withBundle.length} live worker(s) can run it.`,
    details: { position: f.ahead + 1, ahead: f.ahead, workers: withBundle.map((w) => w.id) },
  };
}

function hasBundle(worker: WorkerRecord, name: string, version: string | null | undefined): boolean {
  return worker.bundles.some((b) => b.status === "installed" && b.name === name && b.version === version);
}

function explainNoBundle(f: ExplainFacts, able: WorkerRecord[]): Explanation {
  const { job } = f;
  const wanted = f.bundle?.wanted ?? null;
  const latest = f.bundle?.latest ?? null;
  const ref = `${job.bundleName}@${job.bundleVersion ?? wanted ?? "latest"}`;
  const failed = able.flatMap((w) =>
    w.bundles
      .filter((b) => b.status === "failed" && b.name === job.bundleName && b.version === wanted)
      .map((b) => ({ worker_id: w.id, error: b.error })),
  );
  let why: string;
  if (wanted === null)
    why =
      job.bundleVersion === null
        ? ` No version of bundle ${job.bundleName} is stored on the server (flowy-client bundle upload).`
        : ` The server does not store ${job.bundleName}@${job.bundleVersion} (deleted, or never uploaded).`;
  else if (failed.length > 0)
    why = ` Its install failed on ${failed.map((x) => `${x.worker_id} (${x.error})`).join("; ")}.`;
  else if (!able.some((w) => isForTags({ tags: f.bundle?.tags ?? [] }, w.tags)))
    why = ` The bundle is for daemons tagged ${f.bundle?.tags.join(", ")}, and no live worker with the job's tags has one of those tags.`;
  else
    why =
      " The workers may still be installing it (they sync at start and between claims, and install each name's latest version and every version a waiting job pins).";
  return {
    code: "no_bundle",
    message: `Job ${job.id} waits: no live worker with its tags has bundle ${ref} installed.${why}`,
    details: { bundle: job.bundleName, version: wanted, latest, failed, workers: able.map((w) => w.id) },
  };
}

/** Live workers that lack the fewest of the job's tags, up to three. */
function closestWorkers(
  tags: string[],
  workers: WorkerRecord[],
): Array<{ worker_id: string; missing: string[] }> {
  return workers
    .map((w) => ({ worker_id: w.id, missing: tags.filter((t) => !w.tags.includes(t)) }))
    .sort((a, b) => a.missing.length - b.missing.length || (a.worker_id < b.worker_id ? -1 : 1))
    .slice(0, 3);
}
