/** "Why isn't my job running?": reads the facts explain-plan.ts decides on. */
import { notFound } from "../../shared/errors.ts";
import type { Rate } from "../../shared/rate.ts";
import { limitFor } from "../model/concurrency.ts";
import { nextStartAt, rateFor } from "../model/rate-window.ts";
import { type JobRecord, WORKER_LOST_AFTER_MS } from "../model/records.ts";
import type { Store } from "../store/store.ts";
import { highestVersion } from "./bundle-rules.ts";
import type { ExplainFacts } from "./explain-plan.ts";
import type { Clock } from "./clock.ts";
import { type Explanation, explainJob } from "./explain-plan.ts";

export class ExplainService {
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  async explain(id: string): Promise<{ job: JobRecord; explanation: Explanation }> {
    await this.store.settled?.();
    const job = await this.store.getJob(id);
    if (!job) throw notFound("Job", id);
    const pending = job.state === "pending";
    const now = this.clock();
    const [parent, pausedTags, workers, keyFull, ahead, bundle, rateFull] = await Promise.all([
      job.parentId && job.state === "awaiting" ? this.store.getJob(job.parentId) : undefined,
      pending ? this.store.listPausedTags().then((p) => p.map((x) => x.tag)) : [],
      pending ? this.store.listWorkers() : [],
      pending ? this.keyFull(job) : undefined,
      pending ? this.store.countPendingAhead(job.priority, job.id) : 0,
      pending ? this.bundleFacts(job) : undefined,
      pending ? this.rateFull(job, now) : undefined,
    ]);
    const liveWorkers = workers.filter((w) => now - w.lastSeenAt <= WORKER_LOST_AFTER_MS);
    return {
      job,
      explanation: explainJob({ job, parent, pausedTags, liveWorkers, keyFull, ahead, bundle, rateFull }),
    };
  }

  /** The version the job needs (pinned, else the latest stored), its tags and the latest stored one. */
  private async bundleFacts(job: JobRecord): Promise<ExplainFacts["bundle"]> {
    if (job.bundleName === null) return undefined;
    const versions = await this.store.bundles.listBundles(job.bundleName);
    const latest = highestVersion(versions.map((b) => b.version)) ?? null;
    const wanted = versions.find((b) => b.version === (job.bundleVersion ?? latest));
    return { wanted: wanted?.version ?? null, latest, tags: wanted?.tags ?? [] };
  }

  /** The job's key's rate, when its window holds no start left, and when the next one frees. */
  private async rateFull(job: JobRecord, now: number): Promise<{ rate: Rate; nextAt: number } | undefined> {
    if (job.concurrencyKey === null) return undefined;
    const [declared, [log]] = await Promise.all([
      this.store.listLimits(),
      this.store.rateStarts(job.concurrencyKey),
    ]);
    const rate = rateFor(job.concurrencyKey, declared)?.rate;
    const nextAt = rate && log ? nextStartAt(log.starts, rate, now) : null;
    return rate && nextAt !== null ? { rate, nextAt } : undefined;
  }

  private async keyFull(job: JobRecord): Promise<{ limit: number; holders: string[] } | undefined> {
    if (job.concurrencyKey === null) return undefined;
    const [declared, holders] = await Promise.all([
      this.store.listLimits(),
      this.store.leasedWithKey(job.concurrencyKey),
    ]);
    const { limit } = limitFor(job, declared);
    return holders.length >= limit ? { limit, holders: holders.map((h) => h.id) } : undefined;
  }
}
