/**
 * The job state machine (DESIGN §3). This table is the only place that decides whether a
 * transition is legal; the server's service asks it before every write.
 *
 *   submit ──> pending | scheduled (run_at in future) | awaiting (parent not finished)
 *   scheduled ──due──> pending            awaiting ──parent succeeded──> pending | scheduled
 *   awaiting ──parent did not succeed──> canceled
 *   pending ──claim──> running
 *   running ──complete──> succeeded
 *   running ──fail, attempts left──> scheduled        ──fail, none left──> failed
 *   running ──lease expired, attempts left──> scheduled  ──none left──> timed_out
 *   running ──execution timeout──> timed_out          running ──cancel──> cancelling
 *   running ──release (the claim's answer never reached its worker)──> pending
 *   cancelling ──worker reports / lease expires / release──> canceled (a completion reported first stands)
 *   pending|scheduled|awaiting ──cancel──> canceled
 *   any non-running ──delete──> deleted      terminal|deleted ──requeue──> pending
 */

export const JOB_STATES = [
  "scheduled",
  "awaiting",
  "pending",
  "running",
  "cancelling",
  "succeeded",
  "failed",
  "timed_out",
  "canceled",
  "deleted",
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: readonly JobState[] = ["succeeded", "failed", "timed_out", "canceled"];
/** States in which a worker holds a lease on the job. */
export const LEASED_STATES: readonly JobState[] = ["running", "cancelling"];
/** Terminal or deleted: the job will not run again unless it is requeued. */
export const ENDED_STATES: readonly JobState[] = [...TERMINAL_STATES, "deleted"];

/** A workflow task's state that no job has: it never ran because a task it needs did not succeed. */
export type TaskOnlyState = "skipped";

/**
 * How each state shows to a person, the one table of it: the emoji the CLI prints on a TTY, and
 * the name of the SVG icon the dashboard draws (server/http/dashboard/assets/components/icons.js;
 * the server sends these names with GET /dashboard/session), since an emoji is an empty box on a
 * machine without an emoji font. Task states share the jobs' looks.
 */
export const STATE_LOOKS: Readonly<Record<JobState | TaskOnlyState, { emoji: string; icon: string }>> = {
  scheduled: { emoji: "🕒", icon: "clock" },
  awaiting: { emoji: "🔗", icon: "link" },
  pending: { emoji: "⏳", icon: "hourglass" },
  running: { emoji: "🔄", icon: "refresh" },
  cancelling: { emoji: "🛑", icon: "stop" },
  succeeded: { emoji: "✅", icon: "check" },
  failed: { emoji: "❌", icon: "cross" },
  timed_out: { emoji: "⏰", icon: "alarm" },
  canceled: { emoji: "🛑", icon: "stop" },
  deleted: { emoji: "🗑️", icon: "trash" },
  skipped: { emoji: "⏭️", icon: "skip" },
};

type Looks = Record<JobState | TaskOnlyState, string>;
const looksBy = (part: "emoji" | "icon") =>
  Object.fromEntries(Object.entries(STATE_LOOKS).map(([state, looks]) => [state, looks[part]])) as Looks;

/** Each state's emoji, as the CLI prints it. */
export const STATE_EMOJI: Readonly<Looks> = looksBy("emoji");
/** Each state's dashboard icon name. */
export const STATE_ICON_NAMES: Readonly<Looks> = looksBy("icon");

export const JOB_EVENTS = [
  "due",
  "parent_succeeded",
  "parent_unsuccessful",
  "claim",
  "complete",
  "fail_retry",
  "fail_final",
  "lease_expired_retry",
  "lease_expired_final",
  "execution_timeout",
  "cancel",
  "release",
  "delete",
  "requeue",
] as const;
export type JobEvent = (typeof JOB_EVENTS)[number];

type Table = Record<JobState, Partial<Record<JobEvent, JobState>>>;

const TERMINAL_EXITS = { delete: "deleted", requeue: "pending" } as const;

const TRANSITIONS: Table = {
  scheduled: { due: "pending", cancel: "canceled", delete: "deleted" },
  awaiting: {
    parent_succeeded: "pending",
    parent_unsuccessful: "canceled",
    cancel: "canceled",
    delete: "deleted",
  },
  pending: { claim: "running", cancel: "canceled", delete: "deleted" },
  running: {
    complete: "succeeded",
    fail_retry: "scheduled",
    fail_final: "failed",
    lease_expired_retry: "scheduled",
    lease_expired_final: "timed_out",
    execution_timeout: "timed_out",
    cancel: "cancelling",
    // The worker hung up before the claim's answer reached it: it never ran, so no attempt is spent.
    release: "pending",
  },
  cancelling: {
    complete: "succeeded",
    // Once a cancel is requested the job never runs again: a failure, an expired lease or a
    // timeout all confirm the cancellation.
    fail_retry: "canceled",
    fail_final: "canceled",
    lease_expired_retry: "canceled",
    lease_expired_final: "canceled",
    execution_timeout: "canceled",
    cancel: "cancelling",
    release: "canceled",
  },
  succeeded: { ...TERMINAL_EXITS },
  failed: { ...TERMINAL_EXITS },
  timed_out: { ...TERMINAL_EXITS },
  canceled: { ...TERMINAL_EXITS, cancel: "canceled" },
  deleted: { requeue: "pending" },
};

/** The state `event` leads to from `from`, or undefined when the transition is illegal. */
export function nextState(from: JobState, event: JobEvent): JobState | undefined {
  return TRANSITIONS[from][event];
}

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

export function isLeased(state: JobState): boolean {
  return LEASED_STATES.includes(state);
}

/** Events accepted in `state`, for error hints ("a pending job can be: cancel, delete"). */
export function allowedEvents(state: JobState): JobEvent[] {
  return Object.keys(TRANSITIONS[state]) as JobEvent[];
}

/** The events a person triggers (flowy-client cancel, delete, requeue); the others are the system's. */
export const USER_EVENTS: readonly JobEvent[] = ["cancel", "delete", "requeue"];

/** What a person may do to a job in `state`, for hints ("a failed job can be: delete, requeue"). */
export function userActions(state: JobState): JobEvent[] {
  return allowedEvents(state).filter((event) => USER_EVENTS.includes(event));
}

/** Every (from, event, to) triple, for docs and tests. */
export function transitionTable(): Array<{ from: JobState; event: JobEvent; to: JobState }> {
  return JOB_STATES.flatMap((from) =>
    Object.entries(TRANSITIONS[from]).map(([event, to]) => ({ from, event: event as JobEvent, to })),
  );
}
