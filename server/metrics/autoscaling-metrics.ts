/**
 * The series an autoscaler reads (KEDA's prometheus trigger, a Kubernetes HPA on external
 * metrics; docs/metrics.md): the backlog per tag set — how many jobs wait and how long the oldest
 * has — and the worker slots busy and free per workers' tag set. Read when Prometheus scrapes: the two backlog gauges
 * share one grouped query per scrape (the store names the largest tag sets and folds the rest into
 * one, so a scrape stays small however many tag sets jobs use).
 */
import { Gauge, type Registry } from "prom-client";
import { WORKER_LOST_AFTER_MS, type WorkerRecord } from "../model/records.ts";
import type { BacklogGroup } from "../store/store.ts";

/** Tag sets named in the backlog and slot series; the others are summed under tags="other". */
export const BACKLOG_TAG_SETS = 50;

export interface AutoscalingSources {
  /** Pending jobs by tag set, the largest BACKLOG_TAG_SETS named and the rest with tags null. */
  backlog: () => Promise<BacklogGroup[]>;
  /** Every registered worker (lost ones too: they are left out here). */
  workers: () => Promise<WorkerRecord[]>;
  now: () => number;
}

/** The `tags` label: the set's tags joined by commas, "" for untagged jobs, "other" for the rest. */
export function backlogTagsLabel(tags: string[] | null): string {
  return tags === null ? "other" : tags.join(",");
}

interface SlotGroup {
  tags: string[] | null;
  busy: number;
  free: number;
}

/**
 * Slots of the workers not lost, by the workers' tag set (the pools an autoscaler scales): busy
 * ones run a job; a draining worker claims nothing more, so it has none free. The BACKLOG_TAG_SETS
 * sets with the most slots are named, the others summed with tags null.
 */
export function slotsByTags(workers: WorkerRecord[], now: number): SlotGroup[] {
  const sets = new Map<string, SlotGroup>();
  for (const w of workers) {
    if (now - w.lastSeenAt > WORKER_LOST_AFTER_MS) continue;
    const key = w.tags.join(",");
    const group = sets.get(key) ?? { tags: w.tags, busy: 0, free: 0 };
    group.busy += w.running;
    group.free += w.drainRequestedAt === null ? Math.max(0, w.capacity - w.running) : 0;
    sets.set(key, group);
  }
  const ranked = [...sets.values()].sort((a, b) => b.busy + b.free - (a.busy + a.free));
  const rest = ranked.slice(BACKLOG_TAG_SETS);
  if (rest.length === 0) return ranked;
  const other: SlotGroup = { tags: null, busy: 0, free: 0 };
  for (const g of rest) {
    other.busy += g.busy;
    other.free += g.free;
  }
  return [...ranked.slice(0, BACKLOG_TAG_SETS), other];
}

/** Registers the gauges; call the answer as each scrape starts, so it reads the backlog afresh. */
export function registerAutoscalingGauges(registry: Registry, sources: AutoscalingSources): () => void {
  const registers = [registry];
  let backlog: Promise<BacklogGroup[]> | undefined;
  const readBacklog = () => {
    backlog ??= sources.backlog();
    return backlog;
  };
  new Gauge({
    name: "flowy_backlog_jobs",
    help: "Pending jobs by tag set (the demand on workers with those tags); the smaller sets as tags=other.",
    labelNames: ["tags"],
    registers,
    async collect() {
      // A set whose jobs were all claimed goes away rather than staying at its last count.
      this.reset();
      for (const group of await readBacklog()) this.set({ tags: backlogTagsLabel(group.tags) }, group.jobs);
    },
  });
  new Gauge({
    name: "flowy_backlog_oldest_age_seconds",
    help: "Age of the oldest pending job of each tag set, from when it could first run (submit, or a later run_at).",
    labelNames: ["tags"],
    registers,
    async collect() {
      this.reset();
      const now = sources.now();
      for (const group of await readBacklog()) {
        this.set({ tags: backlogTagsLabel(group.tags) }, Math.max(0, now - group.oldestAt) / 1000);
      }
    },
  });
  new Gauge({
    name: "flowy_worker_slots",
    help: "Job slots of live workers by the workers' tag set: busy (running a job) or free (a draining worker has none).",
    labelNames: ["state", "tags"],
    registers,
    async collect() {
      this.reset();
      for (const group of slotsByTags(await sources.workers(), sources.now())) {
        const tags = backlogTagsLabel(group.tags);
        this.set({ state: "busy", tags }, group.busy);
        this.set({ state: "free", tags }, group.free);
      }
    },
  });
  return () => {
    backlog = undefined;
  };
}
