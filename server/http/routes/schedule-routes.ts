/** Schedules: create, list, show, delete, pause, resume, trigger (the ticks run in the server). */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import {
  CreateScheduleBody,
  JobSchema,
  ScheduleNameParams,
  ScheduleSchema,
  SchedulesResponse,
} from "../../../shared/protocol.ts";
import type { Services } from "../services.ts";
import { toWireJob, toWireSchedule } from "../wire.ts";

type NameParams = { Params: Static<typeof ScheduleNameParams> };

export function registerScheduleRoutes(api: FastifyInstance, services: Services): void {
  const { schedules } = services;
  const tags = ["schedules"];
  api.post<{ Body: Static<typeof CreateScheduleBody> }>(
    "/schedules",
    {
      schema: {
        tags,
        summary: "Create a schedule: a cron expression in a time zone and the job each tick enqueues",
        description:
          "Each tick enqueues exactly one job, whichever replica fires it and across restarts. A name already used is a 409 schedule-exists.",
        body: CreateScheduleBody,
        response: { 201: ScheduleSchema },
      },
    },
    async (request, reply) => reply.code(201).send(toWireSchedule(await schedules.create(request.body))),
  );
  api.get(
    "/schedules",
    { schema: { tags, summary: "Every schedule, by name", response: { 200: SchedulesResponse } } },
    async () => ({ schedules: (await schedules.list()).map((s) => toWireSchedule(s)) }),
  );
  api.get<NameParams>(
    "/schedules/:name",
    {
      schema: {
        tags,
        summary: "A schedule with its next runs, its recent ticks (and their jobs) and its last job's state",
        params: ScheduleNameParams,
        response: { 200: ScheduleSchema },
      },
    },
    async (request) => {
      const { schedule, ...view } = await schedules.show(request.params.name);
      return toWireSchedule(schedule, view);
    },
  );
  api.delete<NameParams>(
    "/schedules/:name",
    {
      schema: {
        tags,
        summary: "Delete a schedule (its jobs stay)",
        params: ScheduleNameParams,
      },
    },
    async (request, reply) => {
      await schedules.delete(request.params.name);
      return reply.code(204).send();
    },
  );
  // Pause and resume: the same route but for the service call and what it says.
  const toggles = [
    ["pause", "Pause a schedule: no ticks until it is resumed (trigger still runs it)"],
    ["resume", "Resume a schedule from its next tick after now (ticks during the pause do not run)"],
  ] as const;
  for (const [action, summary] of toggles) {
    api.post<NameParams>(
      `/schedules/:name/${action}`,
      { schema: { tags, summary, params: ScheduleNameParams, response: { 200: ScheduleSchema } } },
      async (request) => toWireSchedule(await schedules[action](request.params.name)),
    );
  }
  api.post<NameParams>(
    "/schedules/:name/trigger",
    {
      schema: {
        tags,
        summary: "Enqueue the schedule's job now, whatever its overlap policy",
        params: ScheduleNameParams,
        response: { 201: JobSchema },
      },
    },
    async (request, reply) => reply.code(201).send(toWireJob(await schedules.trigger(request.params.name))),
  );
}
