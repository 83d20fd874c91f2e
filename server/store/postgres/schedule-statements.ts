/** The PostgreSQL store's schedule statements, each with a header naming its parameters. */
import { SCHEDULE_COLUMNS } from "../schedule-row.ts";
import { KEPT_TICKS } from "../schedule-store.ts";
import { sql } from "./pg-executor.ts";

// $1…$14 the columns of SCHEDULE_COLUMNS (job as JSON text); nothing when the name is taken.
export const INSERT_SCHEDULE = sql(`
  INSERT INTO schedules (${SCHEDULE_COLUMNS.join(", ")})
  VALUES (${SCHEDULE_COLUMNS.map((c, i) => `$${i + 1}${c === "job" ? "::jsonb" : ""}`).join(", ")})
  ON CONFLICT (name) DO NOTHING RETURNING name`);

// $1 name.
export const GET_SCHEDULE = sql("SELECT * FROM schedules WHERE name = $1");

// No parameters.
export const LIST_SCHEDULES = sql("SELECT * FROM schedules ORDER BY name");

// $1 name, $2 version (the guard), $3 paused (null keeps it), $4 whether to set next_tick_at,
// $5 next_tick_at, $6 now.
export const UPDATE_SCHEDULE = sql(`
  UPDATE schedules SET paused = coalesce($3::boolean, paused),
    next_tick_at = CASE WHEN $4::boolean THEN $5::bigint ELSE next_tick_at END,
    updated_at = $6, version = version + 1
  WHERE name = $1 AND version = $2 RETURNING *`);

// $1 name: the schedule and its ticks.
export const DELETE_SCHEDULE = sql(`
  WITH ticks AS (DELETE FROM schedule_ticks WHERE schedule_name = $1)
  DELETE FROM schedules WHERE name = $1 RETURNING name`);

// $1 now, $2 limit.
export const DUE_SCHEDULES = sql(`
  SELECT * FROM schedules WHERE NOT paused AND next_tick_at <= $1 ORDER BY next_tick_at LIMIT $2`);

// No parameters.
export const NEXT_TICK_AT = sql("SELECT min(next_tick_at) AS at FROM schedules WHERE NOT paused");

// $1 name, $2 version: the guard of a tick. A racing ticker waits here on the row lock, then
// finds the version moved and writes nothing.
export const GUARD_TICK = sql(
  "UPDATE schedules SET version = version + 1 WHERE name = $1 AND version = $2 RETURNING name",
);

// $1 name, $2 tick time, $3 job id (or null), $4 manual, $5 note: nothing when the cron tick is
// already recorded (schedule_ticks_once).
export const INSERT_TICK = sql(`
  INSERT INTO schedule_ticks (schedule_name, tick_at, job_id, manual, note) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT DO NOTHING RETURNING seq`);

// $1 name: keeps the newest KEPT_TICKS ticks.
export const PRUNE_TICKS = sql(`
  DELETE FROM schedule_ticks WHERE schedule_name = $1 AND seq <= (
    SELECT seq FROM schedule_ticks WHERE schedule_name = $1 ORDER BY seq DESC LIMIT 1 OFFSET ${KEPT_TICKS})`);

// $1 name, $2 last tick, $3 next tick, $4 last job id, $5 now.
export const ADVANCE_SCHEDULE = sql(`
  UPDATE schedules SET last_tick_at = $2, next_tick_at = $3, last_job_id = $4, updated_at = $5
  WHERE name = $1 RETURNING *`);

// $1 name, $2 limit: newest first.
export const LIST_TICKS = sql(
  "SELECT * FROM schedule_ticks WHERE schedule_name = $1 ORDER BY seq DESC LIMIT $2",
);
