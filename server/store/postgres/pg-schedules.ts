/**
 * Schedules on PostgreSQL (the ScheduleStore half of the store). recordTicks is one transaction:
 * the guard takes the schedule's row lock, so replicas racing one tick queue up behind it, and the
 * losers find the version moved and write nothing.
 */
import { rowToSchedule, rowToTick, scheduleValues } from "../schedule-row.ts";
import type {
  ScheduleRecord,
  SchedulePatch,
  ScheduleStore,
  ScheduleTickRecord,
  TickResult,
  TickWrite,
} from "../schedule-store.ts";
import { rowToJob } from "../job-row.ts";
import type { JobRecord } from "../store.ts";
import type { PgExecutor } from "./pg-executor.ts";
import { insertJobStatement } from "./job-insert.ts";
import * as q from "./schedule-statements.ts";

export class PgSchedules implements ScheduleStore {
  private readonly db: PgExecutor;

  constructor(db: PgExecutor) {
    this.db = db;
  }

  async createSchedule(schedule: ScheduleRecord): Promise<boolean> {
    return (await this.db.write(q.INSERT_SCHEDULE, scheduleValues(schedule, schedule.paused))).length === 1;
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    const [row] = await this.db.read(q.GET_SCHEDULE, [name]);
    return row ? rowToSchedule(row) : undefined;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.db.read(q.LIST_SCHEDULES)).map(rowToSchedule);
  }

  async updateSchedule(
    name: string,
    version: number,
    patch: SchedulePatch,
    now: number,
  ): Promise<ScheduleRecord | undefined> {
    const [row] = await this.db.write(q.UPDATE_SCHEDULE, [
      name,
      version,
      patch.paused ?? null,
      patch.nextTickAt !== undefined,
      patch.nextTickAt ?? null,
      now,
    ]);
    return row ? rowToSchedule(row) : undefined;
  }

  async deleteSchedule(name: string): Promise<boolean> {
    return (await this.db.write(q.DELETE_SCHEDULE, [name])).length === 1;
  }

  async dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]> {
    return (await this.db.read(q.DUE_SCHEDULES, [now, limit])).map(rowToSchedule);
  }

  async nextTickAt(): Promise<number | null> {
    const [row] = await this.db.read(q.NEXT_TICK_AT);
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  recordTicks(write: TickWrite): Promise<TickResult | undefined> {
    const { schedule, manual, now } = write;
    return this.db.transaction(async (tx) => {
      const guarded = await tx.query(q.GUARD_TICK, [schedule.name, schedule.version]);
      if (guarded.length === 0) return undefined;
      const jobs: JobRecord[] = [];
      let lastJobId = schedule.lastJobId;
      for (const tick of write.ticks) {
        const recorded = await tx.query(q.INSERT_TICK, [
          schedule.name,
          tick.tickAt,
          tick.job?.record.id ?? null,
          manual,
          tick.note,
        ]);
        if (recorded.length === 0 || !tick.job) continue;
        const { statement, values } = insertJobStatement(tick.job.record, tick.job.history);
        const [row] = await tx.query(statement, values);
        if (!row) throw new Error(`job ${tick.job.record.id} of schedule ${schedule.name} was not inserted`);
        jobs.push(rowToJob(row));
        lastJobId = tick.job.record.id;
      }
      await tx.query(q.PRUNE_TICKS, [schedule.name]);
      const [row] = await tx.query(q.ADVANCE_SCHEDULE, [
        schedule.name,
        write.lastTickAt,
        write.nextTickAt,
        lastJobId,
        now,
      ]);
      return { schedule: rowToSchedule(row!), jobs };
    });
  }

  async listTicks(name: string, limit: number): Promise<ScheduleTickRecord[]> {
    return (await this.db.read(q.LIST_TICKS, [name, limit])).map(rowToTick);
  }
}
