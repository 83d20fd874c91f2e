/**
 * Where schedule rows map to and from records, for both stores (PostgreSQL hands back jsonb
 * parsed, booleans as booleans and int8 as strings; SQLite JSON as text and booleans as 0/1).
 */
import type {
  CatchUpPolicy,
  JobTemplate,
  OverlapPolicy,
  ScheduleRecord,
  ScheduleTickRecord,
} from "../model/schedule-records.ts";

type Row = Record<string, unknown>;

const numOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const strOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value));
const bool = (value: unknown) => value === true || Number(value) === 1;

export function rowToSchedule(row: Row): ScheduleRecord {
  return {
    name: String(row.name),
    cron: String(row.cron),
    tz: String(row.tz),
    overlap: row.overlap as OverlapPolicy,
    catchUp: row.catch_up as CatchUpPolicy,
    catchUpMax: Number(row.catch_up_max),
    job: (typeof row.job === "string" ? JSON.parse(row.job) : row.job) as JobTemplate,
    paused: bool(row.paused),
    lastTickAt: numOrNull(row.last_tick_at),
    nextTickAt: numOrNull(row.next_tick_at),
    lastJobId: strOrNull(row.last_job_id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: Number(row.version),
  };
}

export function rowToTick(row: Row): ScheduleTickRecord {
  return {
    scheduleName: String(row.schedule_name),
    tickAt: Number(row.tick_at),
    jobId: strOrNull(row.job_id),
    manual: bool(row.manual),
    note: strOrNull(row.note),
  };
}

/** The columns of a new schedule, in SCHEDULE_COLUMNS order (JSON as text; both stores take it). */
export const SCHEDULE_COLUMNS = [
  "name",
  "cron",
  "tz",
  "overlap",
  "catch_up",
  "catch_up_max",
  "job",
  "paused",
  "last_tick_at",
  "next_tick_at",
  "last_job_id",
  "created_at",
  "updated_at",
  "version",
] as const;

export function scheduleValues(s: ScheduleRecord, paused: boolean | number): unknown[] {
  return [
    s.name,
    s.cron,
    s.tz,
    s.overlap,
    s.catchUp,
    s.catchUpMax,
    JSON.stringify(s.job),
    paused,
    s.lastTickAt,
    s.nextTickAt,
    s.lastJobId,
    s.createdAt,
    s.updatedAt,
    s.version,
  ];
}
