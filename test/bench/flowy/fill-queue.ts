/**
 * Puts n pending no-op jobs into a SQLite database before its server starts, through the store
 * and the submit plan the server itself uses (minus HTTP): a million submits over HTTP would make
 * the depth scenario a ten-minute enqueue benchmark. Only the claims are measured, over HTTP.
 */
import { DEFAULT_JOB_DEFAULTS } from "../../../server/flowy-server.ts";
import { planSubmit } from "../../../server/service/submit-plan.ts";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";

/** Writes per group commit while filling; bounded so memory stays flat at a million jobs. */
const CHUNK = 5_000;

export async function fillPending(dbPath: string, n: number): Promise<void> {
  const store = new SqliteStore({ path: dbPath });
  try {
    for (let done = 0; done < n; done += CHUNK) {
      const now = Date.now();
      const size = Math.min(CHUNK, n - done);
      await Promise.all(
        Array.from({ length: size }, () =>
          store.insertJob(planSubmit({ spec: { command: ["true"] } }, null, DEFAULT_JOB_DEFAULTS, now), {
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
