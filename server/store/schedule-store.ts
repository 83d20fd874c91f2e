/**
 * The part of the Store contract that keeps schedules (see model/schedule-records.ts).
 *
 * Exactly once per tick: `recordTicks` writes, in one transaction, the schedule's advance (guarded
 * by the version the ticker read), one row per tick in schedule_ticks — unique per (schedule,
 * tick time) for cron ticks — and the job of each tick. A ticker that lost a race (another
 * replica, or this one before a restart, got there first) changes nothing: its guard fails, and
 * were the guard ever to pass on a tick already fired, the unique key keeps its job out.
 */
import type { ScheduleRecord, ScheduleTickRecord } from "../model/schedule-records.ts";
import type { HistoryInput, JobRecord, NewJob } from "../model/records.ts";

export type { ScheduleRecord, ScheduleTickRecord } from "../model/schedule-records.ts";

/** Ticks kept per schedule (its recent runs); older ones are dropped as new ones are written. */
export const KEPT_TICKS = 100;

export interface TickToRecord {
  tickAt: number;
  /** The job to enqueue for the tick, or null when the tick enqueues none (see `note`). */
  job: { record: NewJob; history: HistoryInput } | null;
  note: string | null;
}

export interface TickWrite {
  /** The schedule as read: its name names the row and its version is the guard. */
  schedule: ScheduleRecord;
  ticks: TickToRecord[];
  /** A trigger: its tick is not unique per time and it moves neither last nor next tick. */
  manual: boolean;
  lastTickAt: number | null;
  nextTickAt: number | null;
  now: number;
}

export interface TickResult {
  schedule: ScheduleRecord;
  /** The jobs enqueued (ticks already recorded before enqueue none). */
  jobs: JobRecord[];
}

/** The fields of a schedule that change after it is created; the store bumps version itself. */
export type SchedulePatch = Partial<Pick<ScheduleRecord, "paused" | "nextTickAt">>;

export interface ScheduleStore {
  /** Stores a new schedule; false when the name is taken. */
  createSchedule(schedule: ScheduleRecord): Promise<boolean>;
  getSchedule(name: string): Promise<ScheduleRecord | undefined>;
  /** Every schedule, by name. */
  listSchedules(): Promise<ScheduleRecord[]>;
  /** Applies the patch if the version still holds; undefined when it does not (or no such schedule). */
  updateSchedule(
    name: string,
    version: number,
    patch: SchedulePatch,
    now: number,
  ): Promise<ScheduleRecord | undefined>;
  /** Removes the schedule and its ticks (not its jobs); false when there is no such schedule. */
  deleteSchedule(name: string): Promise<boolean>;
  /** Schedules not paused whose next tick is at or before `now`, soonest first. */
  dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]>;
  /** The soonest next tick of a schedule not paused, to know when to wake up. */
  nextTickAt(): Promise<number | null>;
  /** See the header: undefined, with nothing written, when the guard no longer holds. */
  recordTicks(write: TickWrite): Promise<TickResult | undefined>;
  /** The schedule's recent ticks, newest first. */
  listTicks(name: string, limit: number): Promise<ScheduleTickRecord[]>;
}
