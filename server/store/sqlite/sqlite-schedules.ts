/**
 * Schedules on SQLite (the ScheduleStore half of the store). Writes go through the store's group
 * commit; recordTicks runs in one savepoint, so a tick's advance, its tick row and its job are
 * written together or not at all.
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { rowToSchedule, rowToTick, SCHEDULE_COLUMNS, scheduleValues } from "../schedule-row.ts";
import {
  KEPT_TICKS,
  type ScheduleRecord,
  type SchedulePatch,
  type ScheduleStore,
  type ScheduleTickRecord,
  type TickResult,
  type TickWrite,
} from "../schedule-store.ts";
import type { JobRecord } from "../store.ts";
import { Statements } from "./sqlite-connection.ts";
import type { SqliteWrites } from "./sqlite-writes.ts";

type RunWrite = <T>(run: () => T) => Promise<T>;

const INSERT = `INSERT INTO schedules (${SCHEDULE_COLUMNS.join(", ")})
  VALUES (${SCHEDULE_COLUMNS.map(() => "?").join(", ")}) ON CONFLICT (name) DO NOTHING`;

// The cron tick is unique per (schedule, time); a manual one is not (schedule_ticks_once).
const INSERT_TICK = `INSERT INTO schedule_ticks (schedule_name, tick_at, job_id, manual, note)
  VALUES (:name, :tick, :job, :manual, :note) ON CONFLICT DO NOTHING RETURNING seq`;

const PRUNE_TICKS = `DELETE FROM schedule_ticks WHERE schedule_name = :name AND seq <= (
  SELECT seq FROM schedule_ticks WHERE schedule_name = :name ORDER BY seq DESC LIMIT 1 OFFSET ${KEPT_TICKS})`;

export class SqliteSchedules implements ScheduleStore {
  private readonly q: Statements;
  private readonly write: RunWrite;
  private readonly settled: () => Promise<void>;
  private readonly jobs: SqliteWrites;

  constructor(db: DatabaseSync, write: RunWrite, settled: () => Promise<void>, jobs: SqliteWrites) {
    this.q = new Statements(db);
    this.write = write;
    this.settled = settled;
    this.jobs = jobs;
  }

  createSchedule(schedule: ScheduleRecord): Promise<boolean> {
    return this.write(() => {
      const values = scheduleValues(schedule, schedule.paused ? 1 : 0) as SQLInputValue[];
      return this.q.stmt(INSERT).run(...values).changes === 1;
    });
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    await this.settled();
    const row = this.q.get("SELECT * FROM schedules WHERE name = :name", { name });
    return row ? rowToSchedule(row) : undefined;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    await this.settled();
    return this.q.all("SELECT * FROM schedules ORDER BY name").map(rowToSchedule);
  }

  updateSchedule(
    name: string,
    version: number,
    patch: SchedulePatch,
    now: number,
  ): Promise<ScheduleRecord | undefined> {
    return this.write(() => this.update(name, version, patch, now));
  }

  private update(name: string, version: number, patch: SchedulePatch, now: number) {
    const row = this.q.get(
      `UPDATE schedules SET paused = coalesce(:paused, paused),
         next_tick_at = CASE WHEN :set_next THEN :next ELSE next_tick_at END,
         updated_at = :now, version = version + 1
       WHERE name = :name AND version = :version RETURNING *`,
      {
        name,
        version,
        now,
        paused: patch.paused === undefined ? null : patch.paused ? 1 : 0,
        set_next: patch.nextTickAt === undefined ? 0 : 1,
        next: patch.nextTickAt ?? null,
      },
    );
    return row ? rowToSchedule(row) : undefined;
  }

  deleteSchedule(name: string): Promise<boolean> {
    return this.write(() => {
      this.q.stmt("DELETE FROM schedule_ticks WHERE schedule_name = :name").run({ name });
      return this.q.stmt("DELETE FROM schedules WHERE name = :name").run({ name }).changes === 1;
    });
  }

  async dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]> {
    return this.q
      .all(
        `SELECT * FROM schedules WHERE paused = 0 AND next_tick_at <= :now
         ORDER BY next_tick_at LIMIT :limit`,
        { now, limit },
      )
      .map(rowToSchedule);
  }

  async nextTickAt(): Promise<number | null> {
    const row = this.q.get("SELECT min(next_tick_at) AS at FROM schedules WHERE paused = 0");
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  recordTicks(write: TickWrite): Promise<TickResult | undefined> {
    return this.write(() => {
      const { schedule, manual, now } = write;
      const jobs: JobRecord[] = [];
      let lastJobId = schedule.lastJobId;
      // The guard first: a ticker that lost the race writes nothing at all.
      const guarded = this.q.get(
        "UPDATE schedules SET version = version + 1 WHERE name = :name AND version = :version RETURNING name",
        { name: schedule.name, version: schedule.version },
      );
      if (!guarded) return undefined;
      for (const tick of write.ticks) {
        const recorded = this.q.get(INSERT_TICK, {
          name: schedule.name,
          tick: tick.tickAt,
          job: tick.job?.record.id ?? null,
          manual: manual ? 1 : 0,
          note: tick.note,
        });
        if (!recorded || !tick.job) continue;
        jobs.push(this.jobs.insertJob(tick.job.record, tick.job.history).job);
        lastJobId = tick.job.record.id;
      }
      this.q.stmt(PRUNE_TICKS).run({ name: schedule.name });
      const row = this.q.get(
        `UPDATE schedules SET last_tick_at = :last, next_tick_at = :next, last_job_id = :job,
           updated_at = :now WHERE name = :name RETURNING *`,
        {
          name: schedule.name,
          last: write.lastTickAt,
          next: write.nextTickAt,
          job: lastJobId,
          now,
        },
      );
      return { schedule: rowToSchedule(row!), jobs };
    });
  }

  async listTicks(name: string, limit: number): Promise<ScheduleTickRecord[]> {
    await this.settled();
    return this.q
      .all("SELECT * FROM schedule_ticks WHERE schedule_name = :name ORDER BY seq DESC LIMIT :limit", {
        name,
        limit,
      })
      .map(rowToTick);
  }
}
