/**
 * The state sets of shared/states.ts as SQL lists, so both stores' statements name each set in one
 * place: `state IN ${TERMINAL}` reads `state IN ('succeeded', 'failed', 'timed_out', 'canceled')`.
 * The text matters: a partial index is used only when the query repeats its predicate, and the
 * migrations' indexes were written with these lists spelled the same way.
 */
import { ENDED_STATES, type JobState, LEASED_STATES, TERMINAL_STATES } from "../../shared/states.ts";

/** `('a', 'b')`; the states are the state module's constants, never a caller's value. */
export function sqlStateList(states: readonly JobState[]): string {
  return `(${states.map((state) => `'${state}'`).join(", ")})`;
}

/** A worker holds a lease on the job. */
export const LEASED = sqlStateList(LEASED_STATES);
/** The job finished: succeeded, failed, timed out or canceled. */
export const TERMINAL = sqlStateList(TERMINAL_STATES);
/** Finished or deleted: it will not run again unless requeued. */
export const ENDED = sqlStateList(ENDED_STATES);
