/**
 * The background checkpointer's thread: its own connection to the database, on which it runs a
 * PASSIVE checkpoint each time the store asks. PASSIVE never blocks the store's writers; frames
 * still in use by a reader are left for the next one. `synchronous = NORMAL` makes SQLite sync
 * the WAL before copying it into the database and the database after, as it does when the
 * writing connection checkpoints itself.
 */
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

const db = new DatabaseSync((workerData as { path: string }).path);
db.exec("PRAGMA busy_timeout = 5000");
db.exec("PRAGMA synchronous = NORMAL");
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");

parentPort?.on("message", () => {
  try {
    const row = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    parentPort?.postMessage({ ok: true, ...row });
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
