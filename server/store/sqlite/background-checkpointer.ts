/**
 * Keeps WAL checkpoints off the event loop. Left to itself, SQLite checkpoints inside the COMMIT
 * that takes the WAL past 1,000 pages: it copies them into the database and fsyncs it, 10–40 ms
 * during which no request is served (the depth benchmark's claim p99 at a million pending jobs
 * was 7× its p50 from these alone). Here a worker thread with its own connection checkpoints
 * every COMMITS_PER_CHECKPOINT commits, so the WAL rarely reaches SQLite's own threshold; that
 * threshold is raised, not removed, so a checkpointer that falls behind or fails still leaves a
 * bounded WAL (and on failure the store goes back to checkpointing itself).
 */
import type { DatabaseSync } from "node:sqlite";
import { extname } from "node:path";
import { Worker } from "node:worker_threads";

/** About 10 pages per commit under load: a checkpoint every ~500 pages, before SQLite's 1,000. */
const COMMITS_PER_CHECKPOINT = 50;
/** Pages at which the writing connection checkpoints itself anyway (SQLite's default is 1,000). */
const FALLBACK_PAGES = 20_000;
const SQLITE_DEFAULT_PAGES = 1_000;

const ENTRY = new URL(`./checkpoint-worker${extname(import.meta.url)}`, import.meta.url);

interface CheckpointAnswer {
  ok: boolean;
  message?: string;
}

export class BackgroundCheckpointer {
  private readonly db: DatabaseSync;
  private readonly path: string;
  private readonly onError: (message: string) => void;
  private worker: Worker | undefined;
  private commits = 0;
  private inFlight = false;
  private failed = false;
  /** Checkpoints done in the background, for tests and metrics. */
  checkpoints = 0;

  constructor(db: DatabaseSync, path: string, onError: (message: string) => void = () => {}) {
    this.db = db;
    this.path = path;
    this.onError = onError;
    db.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_PAGES}`);
  }

  /** Called after each COMMIT; starts the thread on the first checkpoint it asks for. */
  committed(): void {
    if (this.failed || ++this.commits < COMMITS_PER_CHECKPOINT || this.inFlight) return;
    this.commits = 0;
    this.inFlight = true;
    try {
      this.start().postMessage("checkpoint");
    } catch (error) {
      this.fail(`the WAL checkpoint thread did not start: ${(error as Error).message}`);
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(ENTRY, { workerData: { path: this.path } });
    worker.unref();
    worker.on("message", (answer: CheckpointAnswer) => {
      this.inFlight = false;
      if (answer.ok) this.checkpoints++;
      else this.fail(`a background WAL checkpoint failed: ${answer.message}`);
    });
    worker.on("error", (error) => this.fail(`the WAL checkpoint thread failed: ${error.message}`));
    this.worker = worker;
    return worker;
  }

  /** Back to SQLite's own checkpoints: slower requests now and then, but a bounded WAL. */
  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(message);
    try {
      this.db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    } catch {
      // The connection is closing.
    }
    void this.worker?.terminate();
  }

  async close(): Promise<void> {
    this.failed = true;
    await this.worker?.terminate();
  }
}
