/**
 * Pure rules of schedules: reading a cron expression in its time zone (croner; DST as croner
 * handles it: a fixed-time tick in a spring-forward gap runs at the first time after the gap and
 * once when an autumn hour repeats, other ticks skip the gap and run in both repeated hours), and
 * which due ticks a pass fires under the schedule's catch-up and overlap policies.
 */
import { Cron } from "croner";
import { FlowyError } from "../../shared/errors.ts";
import type { ScheduleRecord } from "../model/schedule-records.ts";

/**
 * A due tick younger than this is on time: it runs under every catch-up policy (a pass that
 * comes a little late, or a server restarted within a minute, still fires it). Older ones were
 * missed, and the catch-up policy decides.
 */
export const ON_TIME_MS = 60_000;

export function cronOf(cron: string, tz: string): Cron {
  return new Cron(cron, { timezone: tz, paused: true });
}

/** The first tick strictly after `after`; null when the expression names no later time. */
export function tickAfter(cron: Cron, after: number): number | null {
  return cron.nextRun(new Date(after))?.getTime() ?? null;
}

/** The next `n` ticks after `after`. */
export function ticksAfter(cron: Cron, after: number, n: number): number[] {
  return cron.nextRuns(n, new Date(after)).map((d) => d.getTime());
}

/** Throws an error a person can act on when the expression or zone cannot be read or never fires. */
export function checkCron(cron: string, tz: string, now: number): number {
  let next: number | null;
  try {
    next = tickAfter(cronOf(cron, tz), now);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const zone = /timezone/i.test(message);
    throw new FlowyError(
      "invalid-request",
      zone
        ? `Time zone "${tz}" is not one this server knows`
        : `"${cron}" is not a cron expression: ${message}`,
      zone
        ? "Use an IANA zone name such as Europe/Berlin, America/New_York or UTC."
        : 'Use five fields (minute hour day month weekday, e.g. "0 3 * * *") or six with seconds first ("*/10 * * * * *").',
    );
  }
  if (next === null) {
    throw new FlowyError(
      "invalid-request",
      `"${cron}" names no time after now, so the schedule would never run`,
      "Check the year field (7-field form) or the day/month combination.",
    );
  }
  return next;
}

export interface TickPlan {
  /** Ticks to fire, oldest first (each enqueues a job unless overlap says otherwise). */
  fire: number[];
  /** Due ticks passed over (missed beyond what catch-up runs, or collapsed by overlap). */
  passed: number;
  /** The newest due tick: the schedule's last tick once this plan is written. */
  lastTickAt: number | null;
  nextTickAt: number | null;
}

/**
 * Which of the schedule's due ticks to fire at `now`. The newest due tick runs when it is on time;
 * of the missed ones, catch-up `none` runs none, `one` the latest, `all` the latest `catchUpMax`.
 * With overlap other than `allow` the jobs would only queue behind (or cancel) each other, so
 * only the newest tick to fire is kept.
 */
export function planTicks(schedule: ScheduleRecord, now: number): TickPlan {
  const { nextTickAt } = schedule;
  const none = { fire: [], passed: 0, lastTickAt: schedule.lastTickAt, nextTickAt };
  if (schedule.paused || nextTickAt === null || nextTickAt > now) return none;
  const cron = cronOf(schedule.cron, schedule.tz);
  const wanted = schedule.catchUp === "all" ? schedule.catchUpMax + 1 : 2;
  // Newest first; croner leaves out a tick exactly at its reference, hence now + 1.
  const due = cron
    .previousRuns(wanted, new Date(now + 1))
    .map((d) => d.getTime())
    .filter((t) => t >= nextTickAt && t <= now);
  const [newest, ...older] = due;
  const onTime = newest !== undefined && now - newest < ON_TIME_MS;
  const missed = onTime ? older : due;
  const caughtUp =
    schedule.catchUp === "none" ? [] : missed.slice(0, schedule.catchUp === "one" ? 1 : schedule.catchUpMax);
  let fire = [...(onTime ? [newest] : []), ...caughtUp].sort((a, b) => a - b);
  if (schedule.overlap !== "allow") fire = fire.slice(-1);
  return {
    fire,
    passed: countDue(cron, nextTickAt, now) - fire.length,
    lastTickAt: newest ?? schedule.lastTickAt,
    nextTickAt: tickAfter(cron, now),
  };
}

/** How many ticks fell in [from, now], counted up to a bound (for the log line only). */
function countDue(cron: Cron, from: number, now: number, bound = 1_000): number {
  let n = 0;
  for (let t: number | null = from; t !== null && t <= now && n < bound; t = tickAfter(cron, t)) n++;
  return n;
}
