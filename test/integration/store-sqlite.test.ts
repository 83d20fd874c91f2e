import { join } from "node:path";
import { fdatasync, fstatSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.ts";
import { openConnection } from "../../server/store/sqlite/sqlite-connection.ts";
import { SQLITE_MIGRATIONS } from "../../server/store/sqlite/migrations.ts";
import { explainSqliteClaim, explainSqliteCountFinished } from "../helpers/query-plans.ts";
import { startServer } from "../helpers/server.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { describeStoreContract, newJob } from "./store-contract.ts";

describeStoreContract("sqlite", async () => new SqliteStore({ path: join(tmpDir(), "flowy.db") }));

describe("SQLite store specifics", () => {
  it("walks the claim index in order instead of scanning and sorting the queue", async () => {
    const path = join(tmpDir(), "flowy.db");
    await new SqliteStore({ path }).close();
    const plan = explainSqliteClaim(path);
    expect(plan).toMatch(/USING INDEX jobs_claim/);
    // Sorts only of the few declared limits, of the picked rows (at most capacity) by key, and of
    // one bundle name's versions (found by name) for a job that needs the latest.
    const lines = plan.split("\n");
    lines.forEach((line, i) => {
      if (/TEMP B-TREE FOR ORDER BY/.test(line))
        expect(lines[i - 1]).toMatch(/^(SCAN (l|\(subquery-\d+\))|SEARCH b USING INDEX \w+ \(name=\?\))$/);
    });
    expect(plan).not.toMatch(/SCAN jobs(?! USING)/);
  });

  it("counts recent finishes from their partial index, not by scanning the history", async () => {
    const path = join(tmpDir(), "flowy.db");
    await new SqliteStore({ path }).close();
    const plan = explainSqliteCountFinished(path);
    expect(plan).toMatch(/USING INDEX job_history_finished/);
  });

  it("commits writes that arrive together in one transaction", async () => {
    const store = new SqliteStore({ path: join(tmpDir(), "flowy.db") });
    await Promise.all(
      Array.from({ length: 50 }, () =>
        store.insertJob(newJob(), { event: "submit", from: null, to: "pending" }),
      ),
    );
    expect(store.largestBatch).toBeGreaterThan(1);
    await store.close();
  });

  it("checkpoints the WAL from a background thread, keeping every write", async () => {
    const path = join(tmpDir(), "flowy.db");
    const store = new SqliteStore({ path });
    const ids: string[] = [];
    for (let i = 0; i < 160; i++) {
      ids.push((await store.insertJob(newJob(), { event: "submit", from: null, to: "pending" })).job.id);
    }
    await expect.poll(() => store.backgroundCheckpoints, { timeout: 30_000 }).toBeGreaterThan(0);
    await store.close();
    const reopened = new SqliteStore({ path });
    expect((await reopened.getJobs(ids)).every((job) => job !== undefined)).toBe(true);
    await reopened.close();
  });

  it("keeps what it acknowledged across a reopen and migrates only once", async () => {
    const path = join(tmpDir(), "flowy.db");
    const first = new SqliteStore({ path });
    const { job } = await first.insertJob(newJob(), { event: "submit", from: null, to: "pending" });
    await first.close();
    const second = new SqliteStore({ path });
    expect((await second.getJob(job.id))?.id).toBe(job.id);
    await second.close();
  });

  it("carries text log rows forward as bytes through the migration that stores logs as BLOBs", async () => {
    const path = join(tmpDir(), "flowy.db");
    const db = openConnection(path);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)");
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 7)) {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?, 0)").run(m.version, m.name);
    }
    db.prepare(
      "INSERT INTO job_logs (job_id, attempt, offset, len, data, at) VALUES ('j1', 1, 0, 7, ?, 0)",
    ).run("héllo\n");
    db.close();
    const store = new SqliteStore({ path });
    expect(await store.readLog("j1", 1, 0, 100)).toEqual({ data: Buffer.from("héllo\n"), length: 7 });
    expect(await store.appendLog({ jobId: "j1", attempt: 1, offset: 7, data: "ok", now: 0 })).toBe(9);
    expect((await store.readLog("j1", 1, 3, 100)).data.toString()).toBe("llo\nok");
    await store.close();
  });

  it("keeps a job's history, in order, through the migration that drops AUTOINCREMENT", async () => {
    const path = join(tmpDir(), "flowy.db");
    const db = openConnection(path);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)");
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 6)) {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?, 0)").run(m.version, m.name);
    }
    const row = db.prepare(
      "INSERT INTO job_history (job_id, at, from_state, to_state, event, attempt) VALUES ('j1', ?, ?, ?, ?, ?)",
    );
    row.run(1, null, "pending", "submit", 0);
    row.run(2, "pending", "running", "claim", 1);
    db.close();

    const store = new SqliteStore({ path });
    const { job } = await store.insertJob(newJob(), { event: "submit", from: null, to: "pending" });
    expect((await store.getHistory("j1")).map((h) => h.event)).toEqual(["submit", "claim"]);
    expect((await store.getHistory(job.id)).map((h) => h.event)).toEqual(["submit"]);
    await store.close();
    const check = openConnection(path);
    const { sql } = check.prepare("SELECT sql FROM sqlite_master WHERE name = 'job_history'").get() as {
      sql: string;
    };
    const indexes = check.prepare(
      "SELECT name FROM sqlite_master WHERE tbl_name = 'job_history' AND type = 'index'",
    );
    expect(sql).not.toMatch(/AUTOINCREMENT/);
    expect(
      indexes
        .all()
        .map((i) => i.name)
        .sort(),
    ).toEqual(["job_history_finished", "job_history_job"]);
    check.close();
  });

  describe("acknowledges a write only after a WAL sync that started after its commit", () => {
    /** fdatasync, held until the test lets it finish, so the test sees what waits for it. */
    function heldSync() {
      const held: Array<() => void> = [];
      const started: number[] = [];
      const syncFile = (fd: number, done: (error: Error | null) => void) => {
        started.push(fd);
        held.push(() => fdatasync(fd, done));
      };
      return { syncFile, held, started };
    }
    const submit = (store: SqliteStore) =>
      store.insertJob(newJob(), { event: "submit", from: null, to: "pending" });
    const settled = (promise: Promise<unknown>) => {
      let done = false;
      promise.then(
        () => (done = true),
        () => (done = true),
      );
      return () => done;
    };
    const turns = () => new Promise((resolve) => setTimeout(resolve, 20));
    /** Waits for what must happen (a sync to start); `turns` only gives what must not a chance. */
    const syncsStarted = (sync: { started: number[] }, n: number) =>
      expect.poll(() => sync.started.length, { timeout: 30_000 }).toBe(n);

    it("holds the answer until the sync is done; commits during a sync share the next one", async () => {
      const sync = heldSync();
      const store = new SqliteStore({ path: join(tmpDir(), "flowy.db"), syncFile: sync.syncFile });
      const first = submit(store);
      const firstDone = settled(first);
      await syncsStarted(sync, 1);
      // Committed but not yet acknowledged, and a client's read barrier waits for it too.
      expect(firstDone()).toBe(false);
      const readable = settled(store.settled());
      await turns();
      expect(readable()).toBe(false);
      const second = submit(store);
      const third = submit(store);
      const laterDone = settled(Promise.all([second, third]));
      await turns();
      expect(sync.started).toHaveLength(1);
      sync.held.shift()!();
      await first;
      expect(laterDone()).toBe(false);
      await syncsStarted(sync, 2);
      sync.held.shift()!();
      await Promise.all([second, third]);
      // Asked while the first sync ran, the barrier waited for the one after it.
      expect(readable()).toBe(true);
      const closing = store.close();
      await syncsStarted(sync, 3);
      sync.held.shift()!();
      await closing;
    });

    it("syncs the database's directory once after the WAL file is created, before the WAL", async () => {
      const synced: string[] = [];
      const recorded = (fd: number, done: (error: Error | null) => void) => {
        synced.push(fstatSync(fd).isDirectory() ? "dir" : "wal");
        fdatasync(fd, done);
      };
      const path = join(tmpDir(), "flowy.db");
      const store = new SqliteStore({ path, syncFile: recorded, syncDirectory: recorded });
      await submit(store);
      await submit(store);
      expect(synced.slice(0, 2)).toEqual(["dir", "wal"]);
      expect(synced.filter((s) => s === "dir")).toHaveLength(1);
      await store.close();
    });

    it("refuses waiting and later writes, with a hint, once a sync has failed", async () => {
      const syncFile = (_fd: number, done: (error: Error | null) => void) =>
        setImmediate(() => done(Object.assign(new Error("EIO: i/o error"), { code: "EIO" })));
      const fatal: Error[] = [];
      const store = new SqliteStore({
        path: join(tmpDir(), "flowy.db"),
        syncFile,
        onFatal: (error) => fatal.push(error),
      });
      expect(store.failure()).toBeUndefined();
      await expect(submit(store)).rejects.toMatchObject({
        message: expect.stringMatching(/Could not make SQLite writes durable.*EIO/),
        hint: expect.stringMatching(/restart the server/),
      });
      await expect(submit(store)).rejects.toThrow(/Could not make SQLite writes durable/);
      expect(fatal).toHaveLength(1);
      expect(store.failure()?.message).toMatch(/EIO/);
    });

    it("is not ready once its store can no longer write", async () => {
      let failing = false;
      const syncFile = (fd: number, done: (error: Error | null) => void) =>
        failing ? setImmediate(() => done(new Error("EIO: i/o error"))) : fdatasync(fd, done);
      const store = new SqliteStore({ path: join(tmpDir(), "flowy.db"), syncFile });
      const { url } = await startServer({ store });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      failing = true;
      await expect(submit(store)).rejects.toThrow(/durable/);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
    });
  });
});
