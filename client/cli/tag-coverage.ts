/**
 * A pending job whose tags no live worker offers waits forever, with nothing in its state to say
 * why; `show` and `wait` say it. Best effort: if the workers cannot be listed, nothing is said.
 */
import type { FlowyClient } from "../flowy-client.ts";
import type { Job } from "../../shared/protocol.ts";

export async function unmatchedTagsNote(client: FlowyClient, job: Job): Promise<string | undefined> {
  if (job.state !== "pending" || job.tags.length === 0) return undefined;
  const workers = await client.workers().catch(() => undefined);
  if (!workers) return undefined;
  const live = workers.filter((w) => w.status === "active");
  if (live.some((w) => job.tags.every((tag) => w.tags.includes(tag)))) return undefined;
  const offered = [...new Set(live.flatMap((w) => w.tags))];
  const what =
    live.length === 0
      ? "no worker is live"
      : `the live workers offer ${offered.length ? `only: ${offered.join(", ")}` : "no tags"}`;
  return (
    `No live worker offers the tags ${job.tags.join(", ")} of this job (${what}), so it waits. ` +
    `Start one with: daemon-flowy --tags ${job.tags.join(",")}`
  );
}
