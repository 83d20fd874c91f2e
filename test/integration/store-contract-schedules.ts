/**
 * The part of the Store contract about schedules and their ticks. Called from
 * describeStoreContract, so it runs against every store.
 */
import { expect, it } from "vitest";
import type { ScheduleRecord, TickToRecord } from "../../server/store/schedule-store.ts";
import { KEPT_TICKS } from "../../server/store/schedule-store.ts";
import type { NewJob, Store } from "../../server/store/store.ts";
import { newJobId } from "../../shared/ids.ts";

const T0 = 1_700_000_000_000;

export function makeSchedule(overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    name: "nightly",
    cron: "0 3 * * *",
    tz: "UTC",
    overlap: "allow",
    catchUp: "none",
    catchUpMax: 10,
    job: { spec: { command: ["true"] }, tags: ["etl"] },
    paused: false,
    lastTickAt: null,
    nextTickAt: T0 + 1_000,
    lastJobId: null,
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...overrides,
  };
}

export function tickFor(tickAt: number, job: (at: number) => NewJob): TickToRecord {
  const record = job(tickAt);
  return {
    tickAt,
    job: {
      record: { ...record, id: newJobId(tickAt) },
      history: { event: "submit", from: null, to: "pending" },
    },
    note: null,
  };
}

export interface SchedulesContext {
  store: () => Store;
  newJob: (overrides?: Partial<NewJob>) => NewJob;
}

export function describeSchedulesContract({ store, newJob }: SchedulesContext): void {
  const job = (at: number) => newJob({ createdAt: at, name: "nightly" });

  it("keeps schedules by name: create once, read, pause under a version guard, delete", async () => {
    const s = store().schedules;
    expect(await s.createSchedule(makeSchedule())).toBe(true);
    expect(await s.createSchedule(makeSchedule({ cron: "* * * * *" }))).toBe(false);
    expect(await s.createSchedule(makeSchedule({ name: "hourly", cron: "0 * * * *" }))).toBe(true);
    expect(await s.getSchedule("nightly")).toEqual(makeSchedule());
    expect((await s.listSchedules()).map((x) => x.name)).toEqual(["hourly", "nightly"]);

    const paused = await s.updateSchedule("nightly", 1, { paused: true, nextTickAt: null }, T0 + 5);
    expect(paused).toMatchObject({ paused: true, nextTickAt: null, version: 2, updatedAt: T0 + 5 });
    expect(await s.updateSchedule("nightly", 1, { paused: false }, T0 + 6)).toBeUndefined();
    const resumed = await s.updateSchedule("nightly", 2, { paused: false, nextTickAt: T0 + 9 }, T0 + 6);
    expect(resumed).toMatchObject({ paused: false, nextTickAt: T0 + 9, version: 3 });
    expect(await s.updateSchedule("nightly", 3, {}, T0 + 7)).toMatchObject({ nextTickAt: T0 + 9 });

    expect(await s.deleteSchedule("nightly")).toBe(true);
    expect(await s.deleteSchedule("nightly")).toBe(false);
    expect(await s.getSchedule("nightly")).toBeUndefined();
  });

  it("finds due schedules, soonest first, passing over paused ones", async () => {
    const s = store().schedules;
    await s.createSchedule(makeSchedule({ name: "a", nextTickAt: T0 + 30 }));
    await s.createSchedule(makeSchedule({ name: "b", nextTickAt: T0 + 10 }));
    await s.createSchedule(makeSchedule({ name: "c", nextTickAt: T0 + 20, paused: true }));
    await s.createSchedule(makeSchedule({ name: "d", nextTickAt: T0 + 99 }));
    expect((await s.dueSchedules(T0 + 30, 10)).map((x) => x.name)).toEqual(["b", "a"]);
    expect((await s.dueSchedules(T0 + 30, 1)).map((x) => x.name)).toEqual(["b"]);
    expect(await s.dueSchedules(T0 + 5, 10)).toEqual([]);
    expect(await s.nextTickAt()).toBe(T0 + 10);
  });

  it("records a tick with its job and the schedule's advance in one write, once", async () => {
    const st = store();
    const s = st.schedules;
    await s.createSchedule(makeSchedule());
    const read = (await s.getSchedule("nightly"))!;
    const tick = tickFor(T0 + 1_000, job);
    const write = {
      schedule: read,
      ticks: [tick],
      manual: false,
      lastTickAt: T0 + 1_000,
      nextTickAt: T0 + 2_000,
      now: T0 + 1_001,
    };
    const fired = await s.recordTicks(write);
    expect(fired?.jobs.map((j) => j.id)).toEqual([tick.job!.record.id]);
    expect(fired?.schedule).toMatchObject({
      lastTickAt: T0 + 1_000,
      nextTickAt: T0 + 2_000,
      lastJobId: tick.job!.record.id,
      version: read.version + 1,
    });
    expect((await st.getJob(tick.job!.record.id))?.state).toBe("pending");
    expect((await st.getHistory(tick.job!.record.id)).map((h) => h.event)).toEqual(["submit"]);

    // A ticker that read the schedule before that write (another replica) writes nothing.
    const again = tickFor(T0 + 1_000, job);
    expect(await s.recordTicks({ ...write, ticks: [again] })).toBeUndefined();
    expect(await st.getJob(again.job!.record.id)).toBeUndefined();
    // One that passes the guard with a tick already fired records no second job for it.
    const fresh = (await s.getSchedule("nightly"))!;
    const third = tickFor(T0 + 1_000, job);
    const repeated = await s.recordTicks({ ...write, schedule: fresh, ticks: [third] });
    expect(repeated?.jobs).toEqual([]);
    expect(await st.getJob(third.job!.record.id)).toBeUndefined();
    expect(repeated?.schedule.lastJobId).toBe(tick.job!.record.id);
    expect(await s.listTicks("nightly", 10)).toEqual([
      { scheduleName: "nightly", tickAt: T0 + 1_000, jobId: tick.job!.record.id, manual: false, note: null },
    ]);
    // A search by schedule finds the jobs of its ticks, and no other job.
    await st.insertJob(job(T0 + 1_500), { event: "submit", from: null, to: "pending" });
    const bySchedule = await st.listJobs({ limit: 10, schedule: "nightly" });
    expect(bySchedule.map((j) => j.id)).toEqual([tick.job!.record.id]);
    expect(await st.listJobs({ limit: 10, schedule: "other" })).toEqual([]);
  });

  it("records skipped ticks and manual ones (not unique per time), newest first, keeping the newest", async () => {
    const s = store().schedules;
    await s.createSchedule(makeSchedule());
    let read = (await s.getSchedule("nightly"))!;
    const skipped = { tickAt: T0 + 1_000, job: null, note: "previous job still running" };
    read = (await s.recordTicks({
      schedule: read,
      ticks: [skipped],
      manual: false,
      lastTickAt: T0 + 1_000,
      nextTickAt: T0 + 2_000,
      now: T0 + 1_000,
    }))!.schedule;
    expect(read.lastJobId).toBeNull();
    const manual = [tickFor(T0 + 1_500, job), tickFor(T0 + 1_500, job)];
    for (const tick of manual) {
      const fired = await s.recordTicks({
        schedule: read,
        ticks: [tick],
        manual: true,
        lastTickAt: read.lastTickAt,
        nextTickAt: read.nextTickAt,
        now: T0 + 1_500,
      });
      expect(fired?.jobs).toHaveLength(1);
      read = fired!.schedule;
    }
    expect(read).toMatchObject({
      lastTickAt: T0 + 1_000,
      nextTickAt: T0 + 2_000,
      lastJobId: manual[1]!.job!.record.id,
    });
    const ticks = await s.listTicks("nightly", 10);
    expect(ticks.map((t) => [t.tickAt, t.manual, t.note])).toEqual([
      [T0 + 1_500, true, null],
      [T0 + 1_500, true, null],
      [T0 + 1_000, false, "previous job still running"],
    ]);

    const many = Array.from({ length: KEPT_TICKS + 5 }, (_, i) => ({
      tickAt: T0 + 10_000 + i,
      job: null,
      note: "skip",
    }));
    await s.recordTicks({
      schedule: read,
      ticks: many,
      manual: false,
      lastTickAt: null,
      nextTickAt: null,
      now: T0,
    });
    const kept = await s.listTicks("nightly", 1_000);
    expect(kept).toHaveLength(KEPT_TICKS);
    expect(kept[0]!.tickAt).toBe(T0 + 10_000 + KEPT_TICKS + 4);
    expect(await s.deleteSchedule("nightly")).toBe(true);
    expect(await s.listTicks("nightly", 10)).toEqual([]);
  });
}
