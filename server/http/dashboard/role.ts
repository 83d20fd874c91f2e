/**
 * What the dashboard shows to whom. The role comes from the auth hook (server/http/auth.ts):
 * a key's role, or "open" when the server has no keys, which the dashboard treats as admin.
 * Which actions a role may take is read from the same route table the server enforces, and in
 * which states from the state machine, so the buttons shown are exactly the calls that can work.
 */
import type { FastifyRequest } from "fastify";
import { JOB_STATES, type JobEvent, type JobState, nextState } from "../../../shared/states.ts";
import type { Role } from "../../model/records.ts";
import { accessFor } from "../route-roles.ts";

export type DashboardAction = "cancel" | "requeue" | "delete";

const ACTION_ROUTES: Record<DashboardAction, [method: string, url: string]> = {
  cancel: ["POST", "/api/v1/jobs/:id/cancel"],
  requeue: ["POST", "/api/v1/jobs/:id/requeue"],
  delete: ["DELETE", "/api/v1/jobs/:id"],
};

/** The role the dashboard acts for; undefined when the request carries no valid key. */
export function roleOf(request: FastifyRequest): Role | undefined {
  const role = request.flowyRole;
  if (role === "open") return "admin";
  return role === "public" ? undefined : role;
}

/** The buttons that are not job actions, each with the one route it calls. */
const CONTROL_ROUTES = {
  drain: ["POST", "/api/v1/workers/:id/drain"],
  pause_schedule: ["POST", "/api/v1/schedules/:name/pause"],
  resume_schedule: ["POST", "/api/v1/schedules/:name/resume"],
  trigger_schedule: ["POST", "/api/v1/schedules/:name/trigger"],
  resume_tag: ["DELETE", "/api/v1/paused-tags/:tag"],
} as const;
export type DashboardControl = keyof typeof CONTROL_ROUTES;

function mayCall(role: Role, method: string, url: string): boolean {
  const access = accessFor(method, url);
  return access === "public" || access?.includes(role) === true;
}

/**
 * The controls the role may use: the Workers page's Drain, the Schedules page's Pause, Resume
 * and Trigger, the Paused tags page's Resume.
 */
export function controlsFor(role: Role): DashboardControl[] {
  return (Object.keys(CONTROL_ROUTES) as DashboardControl[]).filter((control) =>
    mayCall(role, CONTROL_ROUTES[control][0], CONTROL_ROUTES[control][1]),
  );
}

/** For each action the role may take, the job states in which it is legal. */
export function actionsFor(role: Role): Partial<Record<DashboardAction, JobState[]>> {
  const actions: Partial<Record<DashboardAction, JobState[]>> = {};
  for (const [action, [method, url]] of Object.entries(ACTION_ROUTES) as Array<
    [DashboardAction, [string, string]]
  >) {
    if (!mayCall(role, method, url)) continue;
    // Cancelling a job that is already canceled is accepted as a no-op; no button for it.
    actions[action] = JOB_STATES.filter((s) => {
      const to = nextState(s, action as JobEvent);
      return to !== undefined && to !== s;
    });
  }
  return actions;
}
