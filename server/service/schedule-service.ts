/**
 * Schedules: create, read, pause, resume, trigger, delete, and `fireDue` — one pass of the ticker
 * (schedule-ticker.ts) over the schedules whose next tick has come. Every replica may run passes
 * at once: a tick is written with its job in one guarded store write (schedule-store.ts), so the
 * loser of a race writes nothing. The rules of which ticks fire live in schedule-plan.ts.
 */
import type { Logger } from "pino";
import { FlowyError } from "../../shared/errors.ts";
import type { CreateSchedule } from "../../shared/protocol.ts";
import { isTerminal } from "../../shared/states.ts";
import type { ScheduleRecord, ScheduleTickRecord } from "../model/schedule-records.ts";
import type { TickToRecord } from "../store/schedule-store.ts";
import type { JobRecord, Store } from "../store/store.ts";
import type { JobService } from "./job-service.ts";
import type { JobWriter } from "./job-writer.ts";
import { checkCron, cronOf, planTicks, tickAfter, ticksAfter } from "./schedule-plan.ts";
import { type JobDefaults, planSubmit } from "./submit-plan.ts";

const DUE_BATCH = 100;
const RECENT_TICKS = 10;
const NEXT_RUNS = 5;
const MAX_GUARD_RETRIES = 8;

export interface ScheduleView {
  schedule: ScheduleRecord;
  recent: ScheduleTickRecord[];
  nextRuns: number[];
  lastJobState: JobRecord["state"] | null;
}

export class ScheduleService {
  private readonly store: Store;
  private readonly writer: JobWriter;
  private readonly jobs: JobService;
  private readonly defaults: JobDefaults;
  private readonly logger: Logger | undefined;
  /** Told when a schedule's next tick may now be sooner than the ticker thinks (create, resume). */
  onSooner: () => void = () => {};

  constructor(store: Store, writer: JobWriter, jobs: JobService, defaults: JobDefaults, logger?: Logger) {
    this.store = store;
    this.writer = writer;
    this.jobs = jobs;
    this.defaults = defaults;
    this.logger = logger;
  }

  async create(body: CreateSchedule): Promise<ScheduleRecord> {
    const now = this.writer.now();
    const tz = body.tz ?? "UTC";
    const next = checkCron(body.cron, tz, now);
    // The template is checked as a submit would check it, so a bad one fails now, not at 3 am.
    planSubmit({ ...body.job }, null, this.defaults, now);
    const paused = body.paused ?? false;
    const schedule: ScheduleRecord = {
      name: body.name,
      cron: body.cron,
      tz,
      overlap: body.overlap ?? "skip",
      catchUp: body.catch_up ?? "one",
      catchUpMax: body.catch_up_max ?? 10,
      job: body.job,
      paused,
      lastTickAt: null,
      nextTickAt: paused ? null : next,
      lastJobId: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (!(await this.store.schedules.createSchedule(schedule))) {
      throw new FlowyError(
        "schedule-exists",
        `A schedule named ${body.name} exists`,
        `Pick another name, or delete it first: flowy-client schedule delete ${body.name}`,
      );
    }
    this.logger?.info({ schedule: schedule.name, cron: schedule.cron, tz }, "schedule created");
    this.onSooner();
    return schedule;
  }

  list(): Promise<ScheduleRecord[]> {
    return this.store.schedules.listSchedules();
  }

  async get(name: string): Promise<ScheduleRecord> {
    const schedule = await this.store.schedules.getSchedule(name);
    if (!schedule) throw scheduleNotFound(name);
    return schedule;
  }

  /** The schedule with its recent ticks, its next runs and how its last job stands. */
  async show(name: string): Promise<ScheduleView> {
    const schedule = await this.get(name);
    const recent = await this.store.schedules.listTicks(name, RECENT_TICKS);
    const last = schedule.lastJobId === null ? undefined : await this.store.getJob(schedule.lastJobId);
    const nextRuns = schedule.paused
      ? []
      : ticksAfter(cronOf(schedule.cron, schedule.tz), this.writer.now(), NEXT_RUNS);
    return { schedule, recent, nextRuns, lastJobState: last?.state ?? null };
  }

  async delete(name: string): Promise<void> {
    if (!(await this.store.schedules.deleteSchedule(name))) throw scheduleNotFound(name);
    this.logger?.info({ schedule: name }, "schedule deleted");
  }

  /** Stops the ticks; a paused schedule can still be triggered. */
  pause(name: string): Promise<ScheduleRecord> {
    return this.change(name, () => ({ paused: true, nextTickAt: null }), "schedule paused");
  }

  /** Ticks again from the next one after now: ticks that fell in the pause are not caught up. */
  resume(name: string): Promise<ScheduleRecord> {
    return this.change(
      name,
      (s) => ({ paused: false, nextTickAt: tickAfter(cronOf(s.cron, s.tz), this.writer.now()) }),
      "schedule resumed",
    );
  }

  private async change(
    name: string,
    patch: (s: ScheduleRecord) => { paused: boolean; nextTickAt: number | null },
    event: string,
  ): Promise<ScheduleRecord> {
    for (let i = 0; i < MAX_GUARD_RETRIES; i++) {
      const schedule = await this.get(name);
      const changed = await this.store.schedules.updateSchedule(
        name,
        schedule.version,
        patch(schedule),
        this.writer.now(),
      );
      if (changed) {
        this.logger?.info({ schedule: name }, event);
        if (!changed.paused) this.onSooner();
        return changed;
      }
    }
    throw busy(name);
  }

  /** Enqueues the schedule's job now, whatever its overlap policy says: an explicit ask. */
  async trigger(name: string): Promise<JobRecord> {
    for (let i = 0; i < MAX_GUARD_RETRIES; i++) {
      const schedule = await this.get(name);
      const now = this.writer.now();
      const tick = this.tickJob(schedule, now, "triggered by a client");
      const result = await this.store.schedules.recordTicks({
        schedule,
        ticks: [tick],
        manual: true,
        lastTickAt: schedule.lastTickAt,
        nextTickAt: schedule.nextTickAt,
        now,
      });
      const [job] = result?.jobs ?? [];
      if (job) {
        this.published([job], schedule);
        return job;
      }
    }
    throw busy(name);
  }

  /** One ticker pass: fires the due ticks of every due schedule; returns the jobs it enqueued. */
  async fireDue(): Promise<JobRecord[]> {
    const due = await this.store.schedules.dueSchedules(this.writer.now(), DUE_BATCH);
    const enqueued: JobRecord[] = [];
    for (const schedule of due) {
      try {
        enqueued.push(...(await this.fire(schedule)));
      } catch (error) {
        this.logger?.error({ err: error, schedule: schedule.name }, "schedule tick failed");
      }
    }
    return enqueued;
  }

  /** When the next pass has something to do (the soonest tick), or null when nothing is scheduled. */
  nextTickAt(): Promise<number | null> {
    return this.store.schedules.nextTickAt();
  }

  private async fire(schedule: ScheduleRecord): Promise<JobRecord[]> {
    const now = this.writer.now();
    const plan = planTicks(schedule, now);
    const blocking = plan.fire.length > 0 ? await this.unfinishedPrevious(schedule) : undefined;
    let note: string | null = null;
    if (blocking && schedule.overlap === "cancel-previous") {
      // It may have finished meanwhile (or a racing replica canceled it): the new job comes either way.
      await this.jobs
        .cancel(blocking.id, `canceled by schedule ${schedule.name}: a new tick came`)
        .catch((error: unknown) =>
          this.logger?.warn({ err: error, job_id: blocking.id }, "could not cancel the previous job"),
        );
      note = `canceled the previous job ${blocking.id}`;
    }
    const skip = blocking !== undefined && schedule.overlap === "skip";
    const ticks: TickToRecord[] = plan.fire.map((tickAt) =>
      skip
        ? { tickAt, job: null, note: `skipped: the previous job ${blocking.id} is still ${blocking.state}` }
        : { ...this.tickJob(schedule, tickAt, `tick ${new Date(tickAt).toISOString()}`), note },
    );
    const result = await this.store.schedules.recordTicks({
      schedule,
      ticks,
      manual: false,
      lastTickAt: plan.lastTickAt,
      nextTickAt: plan.nextTickAt,
      now,
    });
    // Another ticker (a replica, or a pause) wrote first: this pass's plan is void.
    if (!result) return [];
    if (plan.passed > 0) {
      this.logger?.warn(
        {
          schedule: schedule.name,
          passed: plan.passed,
          catch_up: schedule.catchUp,
          overlap: schedule.overlap,
        },
        "schedule passed over due ticks",
      );
    }
    if (skip)
      this.logger?.info(
        { schedule: schedule.name, job_id: blocking.id },
        "schedule tick skipped: previous job unfinished",
      );
    this.published(result.jobs, schedule);
    return result.jobs;
  }

  private async unfinishedPrevious(schedule: ScheduleRecord): Promise<JobRecord | undefined> {
    if (schedule.overlap === "allow" || schedule.lastJobId === null) return undefined;
    const job = await this.store.getJob(schedule.lastJobId);
    return job && !isTerminal(job.state) && job.state !== "deleted" ? job : undefined;
  }

  private tickJob(schedule: ScheduleRecord, tickAt: number, why: string): TickToRecord {
    const now = this.writer.now();
    const record = planSubmit({ name: schedule.name, ...schedule.job }, null, this.defaults, now);
    const history = {
      event: "submit",
      from: null,
      to: record.state,
      reason: `schedule ${schedule.name}: ${why}`,
    };
    return { tickAt, job: { record, history }, note: null };
  }

  private published(jobs: JobRecord[], schedule: ScheduleRecord): void {
    for (const job of jobs) {
      this.writer.observer.submitted(job);
      this.logger?.info({ schedule: schedule.name, job_id: job.id }, "schedule enqueued a job");
    }
    this.writer.published(jobs);
  }
}

function scheduleNotFound(name: string): FlowyError {
  return new FlowyError(
    "not-found",
    `Schedule ${name} does not exist`,
    "List them with: flowy-client schedule list",
  );
}

function busy(name: string): FlowyError {
  return new FlowyError(
    "internal",
    `Schedule ${name} kept changing while it was being updated`,
    "Try again.",
  );
}
