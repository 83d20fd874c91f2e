/**
 * Checks the state changes a store's own SQL decides (the claim, promoting due jobs) against the
 * transition table in shared/states.ts. The other writes apply transitions the service planned
 * with `nextState`; these two statements name their states in SQL, so a change to the table
 * would otherwise leave them behind unnoticed.
 */
import { type JobState, nextState } from "../../shared/states.ts";
import type { JobRecord, Store } from "../../server/store/store.ts";

export interface SeenTransition {
  from: JobState | null;
  event: string;
  to: JobState;
}

const SQL_DECIDED = ["claimJobs", "promoteDue"] as const;

/** Why the job's last transition is not the table's, or undefined when it is. */
export function illegalSqlTransition(job: JobRecord, last: SeenTransition | undefined): string | undefined {
  if (!last) return `job ${job.id} (${job.state}) has no history row for the store's transition`;
  const legal = last.from !== null && nextState(last.from, last.event as never) === last.to;
  if (!legal) return `job ${job.id}: ${last.from} --${last.event}--> ${last.to} is not in shared/states.ts`;
  if (last.to !== job.state) return `job ${job.id} is ${job.state} but its history says ${last.to}`;
  return undefined;
}

/** The store, with each claim's and promotion's jobs checked (and recorded in `seen`). */
export function checkingSqlTransitions(store: Store, seen: SeenTransition[]): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      if (!(SQL_DECIDED as readonly PropertyKey[]).includes(key)) return value.bind(target);
      return async (...args: unknown[]) => {
        const jobs = (await value.apply(target, args)) as JobRecord[];
        for (const job of jobs) {
          const last = (await target.getHistory(job.id)).at(-1);
          const problem = illegalSqlTransition(job, last);
          if (problem) throw new Error(`${String(key)}: ${problem}`);
          seen.push({ from: last!.from, event: last!.event, to: last!.to });
        }
        return jobs;
      };
    },
  });
}
