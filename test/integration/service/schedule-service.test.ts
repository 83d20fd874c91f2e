/**
 * The schedule service on real stores with an injected clock: no test sleeps. Each pass is run by
 * hand (fireDue), at the times the test sets.
 */
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../../shared/logging.ts";
import { ScheduleTicker } from "../../../server/service/schedule-ticker.ts";
import { DEFAULT_JOB_DEFAULTS } from "../../../server/flowy-server.ts";
import { createLocalChangeFeed } from "../../../server/model/change-feed.ts";
import { JobService } from "../../../server/service/job-service.ts";
import { JobWriter } from "../../../server/service/job-writer.ts";
import { ScheduleService } from "../../../server/service/schedule-service.ts";
import { PostgresStore } from "../../../server/store/postgres/postgres-store.ts";
import { SqliteStore } from "../../../server/store/sqlite/sqlite-store.ts";
import type { Store } from "../../../server/store/store.ts";
import type { CreateSchedule } from "../../../shared/protocol.ts";
import { adminQuery, describePg, freshSchemaUrl } from "../../helpers/pg.ts";
import { tmpDir } from "../../helpers/tmp.ts";

const at = (iso: string) => Date.parse(iso);
/** "2026-03-29 03:00:00 CEST": wall-clock time in Berlin, with the offset's name. */
const berlin = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Berlin",
  timeZoneName: "short",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A schedule service on `store` whose clock the test sets. */
function scheduleService(store: Store, start: number) {
  const clock = { now: start };
  const feed = createLocalChangeFeed();
  const writer = new JobWriter(store, feed, () => clock.now);
  const jobs = new JobService(store, writer, feed, DEFAULT_JOB_DEFAULTS);
  const schedules = new ScheduleService(store, writer, jobs, DEFAULT_JOB_DEFAULTS);
  /** One pass at `when`: the tick times whose jobs it enqueued. */
  const passAt = async (when: string | number) => {
    clock.now = typeof when === "number" ? when : at(when);
    const enqueued = await schedules.fireDue();
    return enqueued;
  };
  return { clock, jobs, schedules, passAt };
}

function sqlite(): Store {
  return new SqliteStore({ path: join(tmpDir(), "flowy.db") });
}

const hourly = (overrides: Partial<CreateSchedule> = {}): CreateSchedule => ({
  name: "hourly",
  cron: "0 * * * *",
  job: { spec: { command: ["true"] }, tags: ["etl"], priority: 3 },
  ...overrides,
});

async function tickTimes(schedules: ScheduleService, name: string) {
  const { recent } = await schedules.show(name);
  return recent.map((t) => iso(t.tickAt)).reverse();
}

describe("schedule ticks with an injected clock", () => {
  it("fires a tick when it comes, not before, with the template's job, and moves to the next", async () => {
    const { schedules, passAt, jobs } = scheduleService(sqlite(), at("2026-01-01T00:30:00Z"));
    const created = await schedules.create(hourly());
    expect(iso(created.nextTickAt)).toBe("2026-01-01T01:00:00.000Z");
    expect(await passAt("2026-01-01T00:59:59.999Z")).toEqual([]);
    const [job, ...more] = await passAt("2026-01-01T01:00:00.200Z");
    expect(more).toEqual([]);
    expect(job).toMatchObject({ name: "hourly", state: "pending", tags: ["etl"], priority: 3 });
    expect((await jobs.history(job!.id))[0]?.reason).toBe("schedule hourly: tick 2026-01-01T01:00:00.000Z");
    const view = await schedules.show("hourly");
    expect(view.schedule).toMatchObject({ lastJobId: job!.id });
    expect(iso(view.schedule.lastTickAt)).toBe("2026-01-01T01:00:00.000Z");
    expect(iso(view.schedule.nextTickAt)).toBe("2026-01-01T02:00:00.000Z");
    expect(view.nextRuns.slice(0, 2).map(iso)).toEqual([
      "2026-01-01T02:00:00.000Z",
      "2026-01-01T03:00:00.000Z",
    ]);
    expect(view.lastJobState).toBe("pending");
    // The same moment again (a second pass, a restart): nothing more.
    expect(await passAt("2026-01-01T01:00:00.300Z")).toEqual([]);
  });

  describe("catch-up after the server was down from 00:30 to 04:10", () => {
    const downUntil = "2026-01-01T04:10:00Z";
    it("none: runs no missed tick and waits for the next one", async () => {
      const { schedules, passAt } = scheduleService(sqlite(), at("2026-01-01T00:30:00Z"));
      await schedules.create(hourly({ catch_up: "none", overlap: "allow" }));
      expect(await passAt(downUntil)).toEqual([]);
      expect(iso((await schedules.get("hourly")).nextTickAt)).toBe("2026-01-01T05:00:00.000Z");
      expect(await passAt("2026-01-01T05:00:30Z")).toHaveLength(1);
      expect(await tickTimes(schedules, "hourly")).toEqual(["2026-01-01T05:00:00.000Z"]);
    });

    it("one: runs the latest missed tick once", async () => {
      const { schedules, passAt } = scheduleService(sqlite(), at("2026-01-01T00:30:00Z"));
      await schedules.create(hourly({ catch_up: "one", overlap: "allow" }));
      expect(await passAt(downUntil)).toHaveLength(1);
      expect(await tickTimes(schedules, "hourly")).toEqual(["2026-01-01T04:00:00.000Z"]);
      expect(await passAt("2026-01-01T04:20:00Z")).toEqual([]);
    });

    it("all: runs the missed ticks, oldest first, at most catch_up_max of the latest", async () => {
      const { schedules, passAt } = scheduleService(sqlite(), at("2026-01-01T00:30:00Z"));
      await schedules.create(hourly({ name: "every", catch_up: "all", catch_up_max: 10, overlap: "allow" }));
      await schedules.create(hourly({ name: "capped", catch_up: "all", catch_up_max: 2, overlap: "allow" }));
      expect(await passAt(downUntil)).toHaveLength(6);
      expect(await tickTimes(schedules, "every")).toEqual([
        "2026-01-01T01:00:00.000Z",
        "2026-01-01T02:00:00.000Z",
        "2026-01-01T03:00:00.000Z",
        "2026-01-01T04:00:00.000Z",
      ]);
      expect(await tickTimes(schedules, "capped")).toEqual([
        "2026-01-01T03:00:00.000Z",
        "2026-01-01T04:00:00.000Z",
      ]);
    });

    it("a tick less than a minute late is on time and runs under every policy", async () => {
      const { schedules, passAt } = scheduleService(sqlite(), at("2026-01-01T00:30:00Z"));
      await schedules.create(hourly({ catch_up: "none", overlap: "allow" }));
      expect(await passAt("2026-01-01T04:00:40Z")).toHaveLength(1);
      expect(await tickTimes(schedules, "hourly")).toEqual(["2026-01-01T04:00:00.000Z"]);
    });
  });

  describe("overlap with a previous job that has not finished", () => {
    const everyMinute = (overlap: CreateSchedule["overlap"]) =>
      hourly({ name: "m", cron: "* * * * *", overlap, catch_up: "none" });

    it("skip: records the tick as skipped and runs again once the job finished", async () => {
      const { schedules, passAt, jobs } = scheduleService(sqlite(), at("2026-01-01T00:00:30Z"));
      await schedules.create(everyMinute("skip"));
      const [first] = await passAt("2026-01-01T00:01:00Z");
      expect(await passAt("2026-01-01T00:02:00Z")).toEqual([]);
      const { recent } = await schedules.show("m");
      expect(recent[0]).toMatchObject({
        jobId: null,
        note: `skipped: the previous job ${first!.id} is still pending`,
      });
      await jobs.cancel(first!.id);
      expect(await passAt("2026-01-01T00:03:00Z")).toHaveLength(1);
    });

    it("cancel-previous: cancels it, then enqueues the new tick's job", async () => {
      const { schedules, passAt, jobs } = scheduleService(sqlite(), at("2026-01-01T00:00:30Z"));
      await schedules.create(everyMinute("cancel-previous"));
      const [first] = await passAt("2026-01-01T00:01:00Z");
      const [second] = await passAt("2026-01-01T00:02:00Z");
      expect((await jobs.get(first!.id)).state).toBe("canceled");
      expect(second!.state).toBe("pending");
      expect((await schedules.show("m")).recent[0]).toMatchObject({
        jobId: second!.id,
        note: `canceled the previous job ${first!.id}`,
      });
    });

    it("allow: enqueues beside it", async () => {
      const { schedules, passAt } = scheduleService(sqlite(), at("2026-01-01T00:00:30Z"));
      await schedules.create(everyMinute("allow"));
      expect(await passAt("2026-01-01T00:01:00Z")).toHaveLength(1);
      expect(await passAt("2026-01-01T00:02:00Z")).toHaveLength(1);
    });

    it("skip with catch-up all: the missed ticks collapse into the newest one", async () => {
      const { schedules, passAt } = scheduleService(sqlite(), at("2026-01-01T00:00:30Z"));
      await schedules.create({ ...everyMinute("skip"), catch_up: "all", catch_up_max: 5 });
      expect(await passAt("2026-01-01T00:10:00Z")).toHaveLength(1);
      expect(await tickTimes(schedules, "m")).toEqual(["2026-01-01T00:10:00.000Z"]);
    });
  });

  describe("Europe/Berlin across DST changes, as croner reads them", () => {
    /** Runs passes just before and just after each tick from `from` until `until`. */
    async function ticksBetween(cron: string, from: string, until: string) {
      const { schedules, passAt } = scheduleService(sqlite(), at(from));
      await schedules.create(
        hourly({ name: "dst", cron, tz: "Europe/Berlin", overlap: "allow", catch_up: "none" }),
      );
      const fired: string[] = [];
      for (;;) {
        const next = (await schedules.get("dst")).nextTickAt!;
        if (next > at(until)) return fired;
        expect(await passAt(next - 1)).toEqual([]);
        expect(await passAt(next + 500)).toHaveLength(1);
        fired.push(berlin.format(next));
      }
    }

    it("spring forward: a daily 02:30 runs at 03:00 on the short day; hourly ticks skip the gap", async () => {
      expect(await ticksBetween("30 2 * * *", "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z")).toEqual([
        "2026-03-28 02:30:00 CET",
        "2026-03-29 03:00:00 CEST",
        "2026-03-30 02:30:00 CEST",
      ]);
      expect(await ticksBetween("30 * * * *", "2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z")).toEqual([
        "2026-03-29 01:30:00 CET",
        "2026-03-29 03:30:00 CEST",
      ]);
    });

    it("fall back: a daily 02:30 runs once on the long day; hourly ticks run in both 02:00 hours", async () => {
      expect(await ticksBetween("30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z")).toEqual([
        "2026-10-25 02:30:00 CEST",
        "2026-10-26 02:30:00 CET",
      ]);
      expect(await ticksBetween("30 * * * *", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z")).toEqual([
        "2026-10-25 02:30:00 CEST",
        "2026-10-25 02:30:00 CET",
      ]);
    });
  });

  it("pause stops the ticks, resume starts from the next one, trigger runs now either way", async () => {
    const { schedules, passAt } = scheduleService(sqlite(), at("2026-01-01T00:30:00Z"));
    await schedules.create(hourly({ catch_up: "all" }));
    expect(await schedules.pause("hourly")).toMatchObject({ paused: true, nextTickAt: null });
    expect(await passAt("2026-01-01T03:10:00Z")).toEqual([]);
    const triggered = await schedules.trigger("hourly");
    expect(triggered.state).toBe("pending");
    const resumed = await schedules.resume("hourly");
    expect(iso(resumed.nextTickAt)).toBe("2026-01-01T04:00:00.000Z");
    expect(await passAt("2026-01-01T03:20:00Z")).toEqual([]);
    const { recent } = await schedules.show("hourly");
    expect(recent).toEqual([expect.objectContaining({ manual: true, jobId: triggered.id })]);
  });

  it("refuses a bad cron, zone, template or a taken name with what to do", async () => {
    const { schedules } = scheduleService(sqlite(), at("2026-01-01T00:30:00Z"));
    await expect(schedules.create(hourly({ cron: "0 3 * *" }))).rejects.toMatchObject({
      message: expect.stringMatching(/not a cron expression/),
      hint: expect.stringMatching(/five fields/),
    });
    await expect(schedules.create(hourly({ tz: "Mars/Base" }))).rejects.toMatchObject({
      message: 'Time zone "Mars/Base" is not one this server knows',
    });
    await expect(schedules.create(hourly({ job: { spec: {} } }))).rejects.toThrow(
      /spec names nothing to run/,
    );
    await schedules.create(hourly());
    await expect(schedules.create(hourly())).rejects.toMatchObject({ code: "schedule-exists" });
  });

  it("fires a tick once when two tickers race it, and not again after a restart", async () => {
    const path = join(tmpDir(), "flowy.db");
    const store = new SqliteStore({ path });
    const a = scheduleService(store, at("2026-01-01T00:30:00Z"));
    const b = scheduleService(store, at("2026-01-01T00:30:00Z"));
    await a.schedules.create(hourly({ overlap: "allow" }));
    const both = await Promise.all([a.passAt("2026-01-01T01:00:01Z"), b.passAt("2026-01-01T01:00:01Z")]);
    expect(both.flat()).toHaveLength(1);
    await store.close();
    const reopened = scheduleService(new SqliteStore({ path }), at("2026-01-01T01:00:02Z"));
    expect(await reopened.passAt("2026-01-01T01:00:02Z")).toEqual([]);
    expect(await tickTimes(reopened.schedules, "hourly")).toEqual(["2026-01-01T01:00:00.000Z"]);
  });
});

describePg("schedule ticks on PostgreSQL replicas", () => {
  it("enqueues exactly one job per tick when two replicas tick every second together", async () => {
    const { url } = freshSchemaUrl();
    const stores = [
      await PostgresStore.open({ url, poolSize: 3 }),
      await PostgresStore.open({ url, poolSize: 3 }),
    ];
    try {
      const start = at("2026-01-01T00:00:00.500Z");
      const replicas = stores.map((s) => scheduleService(s, start));
      await replicas[0]!.schedules.create(hourly({ name: "s", cron: "* * * * * *", overlap: "allow" }));
      let enqueued = 0;
      for (let second = 1; second <= 30; second++) {
        const when = start + second * 1_000;
        const fired = await Promise.all(replicas.map((r) => r.passAt(when)));
        expect(fired.flat()).toHaveLength(1);
        enqueued += fired.flat().length;
      }
      expect(enqueued).toBe(30);
      expect(await stores[1]!.countJobs({})).toBe(30);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describePg("a PostgreSQL replica killed mid-tick", () => {
  it("leaves nothing of its tick behind, and the other replica enqueues the tick's one job", async () => {
    const { url, schema } = freshSchemaUrl();
    const held = new URL(url);
    // Replica A's sessions carry a setting the trigger below looks for: its job insert is held.
    held.searchParams.set("options", "-c flowy.replica=a");
    const b = await PostgresStore.open({ url, poolSize: 3 });
    const a = await PostgresStore.open({ url: held.toString(), poolSize: 3 });
    try {
      await adminQuery(`
        CREATE FUNCTION ${schema}.hold_replica_a() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_setting('flowy.replica', true) = 'a' THEN PERFORM pg_sleep(120); END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER hold_replica_a AFTER INSERT ON ${schema}.jobs
          FOR EACH ROW EXECUTE FUNCTION ${schema}.hold_replica_a()`);
      const start = at("2026-01-01T00:00:00.500Z");
      const [replicaA, replicaB] = [a, b].map((s) => scheduleService(s, start));
      await replicaB!.schedules.create(hourly({ name: "s", cron: "* * * * * *", overlap: "allow" }));
      const tick = start + 1_000;
      // A is inside its tick's transaction (guard, tick row, job row) when it dies.
      const aPass = replicaA!.passAt(tick).then(
        (fired) => ({ fired }),
        (error: unknown) => ({ error }),
      );
      const holding = await vi.waitFor(
        async () => {
          const [row] = await adminQuery<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%INSERT INTO jobs%'",
          );
          expect(row).toBeDefined();
          return row!.pid;
        },
        { timeout: 20_000, interval: 50 },
      );
      const bPass = replicaB!.passAt(tick);
      await adminQuery("SELECT pg_terminate_backend($1)", [holding]);
      expect(await bPass).toHaveLength(1);
      await aPass;
      const jobs = await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.jobs`);
      const ticks = await adminQuery<{ n: string }>(
        `SELECT count(*) AS n FROM ${schema}.schedule_ticks WHERE tick_at = $1`,
        [at("2026-01-01T00:00:01Z")],
      );
      expect([Number(jobs[0]!.n), Number(ticks[0]!.n)]).toEqual([1, 1]);
      // A restarted A passes the same tick again: nothing more.
      const restarted = scheduleService(b, tick);
      expect(await restarted.passAt(tick)).toEqual([]);
      expect(await b.countJobs({})).toBe(1);
    } finally {
      await adminQuery(`DROP TRIGGER IF EXISTS hold_replica_a ON ${schema}.jobs`).catch(() => undefined);
      await Promise.all([a, b].map((s) => s.close()));
    }
  }, 60_000);
});

describe("the schedule ticker", () => {
  it("wakes at the soonest next tick, at most an interval away, and again at once when poked", async () => {
    const store = sqlite();
    const service = scheduleService(store, at("2026-01-01T00:00:00.400Z"));
    const delays: number[] = [];
    let next: (() => void) | undefined;
    const ticker = new ScheduleTicker(service.schedules, () => service.clock.now, {
      intervalMs: 1_000,
      logger: createLogger("flowy-test", "silent"),
      schedule: (run, delayMs) => {
        delays.push(delayMs);
        next = run;
        return () => {
          if (next === run) next = undefined;
        };
      },
    });
    const runNext = async () => {
      await vi.waitFor(() => expect(next).toBeDefined(), { timeout: 30_000 });
      const run = next!;
      next = undefined;
      run();
    };
    ticker.start();
    await runNext();
    // Nothing scheduled: it looks again after a full interval.
    await vi.waitFor(() => expect(delays).toEqual([0, 1_000]), { timeout: 30_000 });
    await service.schedules.create(hourly({ name: "s", cron: "*/2 * * * * *" }));
    ticker.poke();
    expect(delays.at(-1)).toBe(0);
    await runNext();
    // The first tick is at 00:00:02, 1.6 s away: no more than the interval.
    await vi.waitFor(() => expect(delays.at(-1)).toBe(1_000), { timeout: 30_000 });
    service.clock.now = at("2026-01-01T00:00:01.700Z");
    await runNext();
    await vi.waitFor(() => expect(delays.at(-1)).toBe(300), { timeout: 30_000 });
    service.clock.now = at("2026-01-01T00:00:02.000Z");
    await runNext();
    await vi.waitFor(
      async () => expect(await service.schedules.show("s")).toMatchObject({ recent: [expect.anything()] }),
      {
        timeout: 30_000,
      },
    );
    await ticker.stop();
  });
});
