/**
 * What a person can do to a job — cancel, requeue, delete — decided on a read of the job, for one
 * job (JobService) and for many (BulkActions) alike. A repeat of what already happened (cancel of
 * a job being canceled, delete of a deleted one) is an answer, not a write.
 */
import type { JobRecord } from "../store/store.ts";
import type { Decision } from "./job-writer.ts";
import { planRequeue, planTransition } from "./job-transitions.ts";

export type JobAction = "cancel" | "requeue" | "delete";

export const ACTION_PAST: Record<JobAction, string> = {
  cancel: "canceled",
  requeue: "requeued",
  delete: "deleted",
};

export function decideAction(action: JobAction, job: JobRecord, now: number, reason: string): Decision {
  const ctx = { now, reason };
  switch (action) {
    case "cancel":
      if (job.state === "cancelling" || job.state === "canceled") return { answer: job };
      return { transition: planTransition(job, "cancel", {}, ctx) };
    case "requeue":
      return { transition: planRequeue(job, ctx) };
    case "delete":
      if (job.state === "deleted") return { answer: job };
      return { transition: planTransition(job, "delete", {}, ctx) };
  }
}
