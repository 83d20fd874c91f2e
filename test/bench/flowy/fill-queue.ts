/**
 * Puts n pending no-op jobs into a SQLite database before its server starts, through the store
 * and the submit plan the server itself uses (minus HTTP): a million submits over HTTP would make
 * the depth scenario a ten-minute enqueue benchmark. Only the claims are measured, over HTTP.
 *
 * With `flowControl`, the queue has pauses and limits in use, spread through it: tag `gpu` is
 * paused and one job in ten carries it; one in ten has a concurrency key `customer-0…99`, limit 1
 * each (`customer-*`), so once a claim holds a key its other jobs wait. A claim has to pass over
 * both kinds; 8 jobs in 10 are claimable by a worker with tags [gpu].
 */
import { DEFAULT_JOB_DEFAULTS } from "../../../server/flowy-server.ts";
import { planSubmit } from "../../../server/service/submit-plan.ts";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import type { SubmitJob } from "../../../shared/protocol.ts";

export const PAUSED_TAG = "gpu";
/** The share of a flow-controlled queue that a claim can take. */
export const CLAIMABLE_SHARE = 0.8;

function submitBody(i: number, flowControl: boolean): SubmitJob {
  const spec = { command: ["true"] };
  if (!flowControl || i % 10 > 1) return { spec };
  if (i % 10 === 0) return { spec, tags: [PAUSED_TAG] };
  return { spec, concurrency_key: `customer-${Math.floor(i / 10) % 100}` };
}

/** Writes per group commit while filling; bounded so memory stays flat at a million jobs. */
const CHUNK = 5_000;

export async function fillPending(dbPath: string, n: number, flowControl = false): Promise<void> {
  const store = new SqliteStore({ path: dbPath });
  try {
    if (flowControl) {
      await store.pauseTag(PAUSED_TAG, Date.now());
      await store.setLimit({ pattern: "customer-*", concurrency: 1, rate: null });
    }
    for (let done = 0; done < n; done += CHUNK) {
      const now = Date.now();
      const size = Math.min(CHUNK, n - done);
      await Promise.all(
        Array.from({ length: size }, (_, i) =>
          store.insertJob(planSubmit(submitBody(done + i, flowControl), null, DEFAULT_JOB_DEFAULTS, now), {
            event: "submit",
            from: null,
            to: "pending",
          }),
        ),
      );
    }
  } finally {
    await store.close();
  }
}
