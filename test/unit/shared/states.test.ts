import { describe, expect, it } from "vitest";
import {
  allowedEvents,
  isLeased,
  isTerminal,
  JOB_EVENTS,
  JOB_STATES,
  type JobEvent,
  type JobState,
  nextState,
  transitionTable,
} from "../../../shared/states.ts";

// DESIGN §3, written out independently of the module: every legal (from, event) → to.
const LEGAL: Array<[JobState, JobEvent, JobState]> = [
  ["scheduled", "due", "pending"],
  ["scheduled", "cancel", "canceled"],
  ["scheduled", "delete", "deleted"],
  ["awaiting", "parent_succeeded", "pending"],
  ["awaiting", "parent_unsuccessful", "canceled"],
  ["awaiting", "cancel", "canceled"],
  ["awaiting", "delete", "deleted"],
  ["pending", "claim", "running"],
  ["pending", "cancel", "canceled"],
  ["pending", "delete", "deleted"],
  ["running", "complete", "succeeded"],
  ["running", "fail_retry", "scheduled"],
  ["running", "fail_final", "failed"],
  ["running", "lease_expired_retry", "scheduled"],
  ["running", "lease_expired_final", "timed_out"],
  ["running", "execution_timeout", "timed_out"],
  ["running", "release", "pending"],
  ["running", "cancel", "cancelling"],
  ["cancelling", "complete", "succeeded"],
  ["cancelling", "fail_retry", "canceled"],
  ["cancelling", "fail_final", "canceled"],
  ["cancelling", "lease_expired_retry", "canceled"],
  ["cancelling", "lease_expired_final", "canceled"],
  ["cancelling", "execution_timeout", "canceled"],
  ["cancelling", "release", "canceled"],
  ["cancelling", "cancel", "cancelling"],
  ["succeeded", "delete", "deleted"],
  ["succeeded", "requeue", "pending"],
  ["failed", "delete", "deleted"],
  ["failed", "requeue", "pending"],
  ["timed_out", "delete", "deleted"],
  ["timed_out", "requeue", "pending"],
  ["canceled", "delete", "deleted"],
  ["canceled", "requeue", "pending"],
  ["canceled", "cancel", "canceled"],
  ["deleted", "requeue", "pending"],
];

describe("job state machine", () => {
  it.each(LEGAL)("%s --%s--> %s is legal", (from, event, to) => {
    expect(nextState(from, event)).toBe(to);
  });

  const legalKeys = new Set(LEGAL.map(([from, event]) => `${from}/${event}`));
  const illegal = JOB_STATES.flatMap((from) =>
    JOB_EVENTS.filter((event) => !legalKeys.has(`${from}/${event}`)).map((event) => [from, event] as const),
  );

  it.each(illegal)("%s --%s--> is rejected", (from, event) => {
    expect(nextState(from, event)).toBeUndefined();
  });

  it("covers exactly the documented transitions", () => {
    expect(transitionTable()).toHaveLength(LEGAL.length);
    expect(LEGAL.length + illegal.length).toBe(JOB_STATES.length * JOB_EVENTS.length);
  });

  it("never leaves a terminal state except by delete or requeue", () => {
    for (const state of JOB_STATES.filter(isTerminal)) {
      const exits = allowedEvents(state).filter((e) => nextState(state, e) !== state);
      expect(exits.sort()).toEqual(["delete", "requeue"]);
    }
  });

  it("does not delete a job a worker holds", () => {
    for (const state of JOB_STATES.filter(isLeased)) expect(nextState(state, "delete")).toBeUndefined();
  });

  it("only claims pending jobs", () => {
    expect(JOB_STATES.filter((s) => nextState(s, "claim") !== undefined)).toEqual(["pending"]);
  });
});
