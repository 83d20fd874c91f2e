/**
 * Group commit for a synchronous SQLite connection. Writes that arrive within one turn of the event
 * loop run in one transaction; each runs inside its own savepoint so a write that throws is undone
 * alone. A write's promise settles only once its transaction is durable: after the WAL sync that
 * follows its COMMIT (wal-sync.ts), so transactions committed while a sync runs share the next one.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { WalSync } from "./wal-sync.ts";

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
  /** Largest group committed so far, and how many groups, for tests and metrics. */
  largestBatch = 0;
  commits = 0;

  /** Absent for an in-memory database, which has nothing to make durable. */
  private readonly durability: Pick<WalSync, "afterCommit" | "check"> | undefined;

  /** Told after each COMMIT (the background checkpointer counts them). */
  private readonly onCommit: () => void;

  constructor(
    db: DatabaseSync,
    durability?: Pick<WalSync, "afterCommit" | "check">,
    onCommit: () => void = () => {},
  ) {
    this.db = db;
    this.durability = durability;
    this.onCommit = onCommit;
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
      this.durability?.check();
      this.db.exec("BEGIN IMMEDIATE");
      for (const write of batch) outcomes.push(this.runInSavepoint(write));
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      for (const write of batch) write.reject(error);
      return;
    }
    this.commits++;
    this.onCommit();
    const settle = () =>
      batch.forEach((write, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) write.resolve(outcome.value);
        else write.reject(outcome.value);
      });
    if (!this.durability) settle();
    else
      this.durability.afterCommit().then(settle, (error: unknown) => {
        for (const write of batch) write.reject(error);
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
