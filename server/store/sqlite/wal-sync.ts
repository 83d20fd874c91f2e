/**
 * Makes committed SQLite transactions durable without blocking the event loop. The connection runs
 * `synchronous=NORMAL`, so COMMIT writes the transaction's WAL frames but does not fsync them;
 * this fdatasyncs the WAL file on libuv's thread pool, and a commit is acknowledged only once a sync
 * that *started after* it has finished. That is the guarantee `synchronous=FULL` gives, but the
 * ~0.2 ms the disk takes no longer stalls every request, and commits made while one sync is in
 * flight share the next one (the group commit grows with the load).
 *
 * Checkpoints keep SQLite's own ordering: with NORMAL it syncs the WAL before copying it into the
 * database and syncs the database after, so a checkpointed frame is durable either way.
 *
 * A failed fdatasync is fatal to the store: the kernel may have dropped the dirty pages, so a
 * retry that succeeds proves nothing. Every waiting and later write is refused with the cause.
 */
import { fdatasync, fstatSync, fsync, openSync, closeSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { FlowyError } from "../../../shared/errors.ts";

export type SyncFile = (fd: number, done: (error: Error | null) => void) => void;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class WalSync {
  private readonly walPath: string;
  private readonly syncFile: SyncFile;
  private fd: number | undefined;
  private ino = 0;
  private inFlight = false;
  /** Commits made since the running sync started: the next sync covers them. */
  private waiting: Waiter[] = [];
  private failure: FlowyError | undefined;
  /** Syncs done so far, for tests and metrics. */
  syncs = 0;

  private readonly onFailure: ((error: FlowyError) => void) | undefined;

  private readonly syncDir: SyncFile;

  constructor(
    databasePath: string,
    syncFile: SyncFile = fdatasync,
    onFailure?: (error: FlowyError) => void,
    syncDir: SyncFile = fsync,
  ) {
    this.walPath = `${databasePath}-wal`;
    this.syncFile = syncFile;
    this.syncDir = syncDir;
    this.onFailure = onFailure;
  }

  /** Why the store no longer writes, once a sync has failed. */
  get failed(): FlowyError | undefined {
    return this.failure;
  }

  /** Resolves once everything committed before this call is on disk. */
  afterCommit(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.inFlight) this.startSync();
    });
  }

  /**
   * Resolves once every commit made so far is on disk: at once when no sync is owed, else after
   * the sync that covers them (a reader's barrier, so what a client reads is durable). Rejects
   * once a sync has failed.
   */
  settled(): Promise<void> {
    // After a failed sync nothing read is known to be durable: the reader is refused too.
    if (this.failure) return Promise.reject(this.failure);
    if (!this.inFlight && this.waiting.length === 0) return Promise.resolve();
    return this.afterCommit();
  }

  /** Refuses new writes once a sync has failed. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private startSync(): void {
    const covered = this.waiting;
    this.waiting = [];
    this.inFlight = true;
    let fd: number;
    let newFile: boolean;
    try {
      ({ fd, newFile } = this.walFd());
    } catch (error) {
      this.fail(covered, error);
      return;
    }
    // A WAL file just created is durable only once its directory entry is: sync the directory
    // first (once per file), or a crash could lose the whole file with every commit in it.
    const syncWal = () => this.syncFile(fd, done);
    const done = (error: Error | null) => {
      this.inFlight = false;
      if (error) {
        this.fail(covered, error);
        return;
      }
      this.syncs++;
      for (const waiter of covered) waiter.resolve();
      if (this.waiting.length > 0) this.startSync();
    };
    if (newFile) this.syncDirectory((error) => (error ? done(error) : syncWal()));
    else syncWal();
  }

  private syncDirectory(done: (error: Error | null) => void): void {
    let dirFd: number;
    try {
      dirFd = openSync(dirname(this.walPath), "r");
    } catch (error) {
      done(error as Error);
      return;
    }
    this.syncDir(dirFd, (error) => {
      closeSync(dirFd);
      done(error);
    });
  }

  /** The WAL's descriptor, reopened if SQLite replaced the file since (it keeps it while open). */
  private walFd(): { fd: number; newFile: boolean } {
    const ino = statSync(this.walPath).ino;
    if (this.fd !== undefined && ino === this.ino) return { fd: this.fd, newFile: false };
    this.close();
    this.fd = openSync(this.walPath, "r");
    this.ino = fstatSync(this.fd).ino;
    return { fd: this.fd, newFile: true };
  }

  private fail(covered: Waiter[], cause: unknown): void {
    this.inFlight = false;
    if (this.failure) return;
    this.failure = new FlowyError(
      "internal",
      `Could not make SQLite writes durable: syncing ${this.walPath} failed (${String(cause)})`,
      "Check the disk (dmesg, free space), then restart the server; writes not acknowledged may be lost.",
    );
    for (const waiter of [...covered, ...this.waiting]) waiter.reject(this.failure);
    this.waiting = [];
    this.onFailure?.(this.failure);
  }
}
