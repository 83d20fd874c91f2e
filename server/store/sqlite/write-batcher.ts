/**
 * Group commit for a synchronous SQLite connection. Writes that arrive within one turn of the event
 * loop run in one transaction and share one fsync; each runs inside its own savepoint so a write
 * that throws is undone alone. A write's promise settles only after COMMIT has returned, so an
 * acknowledged write is on disk (with synchronous=FULL).
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class WriteBatcher {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private readonly db: DatabaseSync;
  /** Prepared once: exec() parses its SQL text on every call, and these run once per write. */
  private readonly savepoint: StatementSync;
  private readonly release: StatementSync;
  private readonly rollbackTo: StatementSync;
  /** Largest group committed so far, for tests and metrics. */
  largestBatch = 0;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.savepoint = db.prepare("SAVEPOINT w");
    this.release = db.prepare("RELEASE w");
    this.rollbackTo = db.prepare("ROLLBACK TO w");
  }

  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate lets the requests already read from sockets queue their writes first.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    try {
      this.db.exec("BEGIN IMMEDIATE");
      for (const write of batch) outcomes.push(this.runInSavepoint(write));
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.value);
    });
  }

  private runInSavepoint(write: PendingWrite): { ok: boolean; value: unknown } {
    this.savepoint.run();
    try {
      const value = write.run();
      this.release.run();
      return { ok: true, value };
    } catch (error) {
      this.rollbackTo.run();
      this.release.run();
      return { ok: false, value: error };
    }
  }
}
