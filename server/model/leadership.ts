/**
 * Leadership among server replicas: work that must run on one replica at a time (the reaper, the
 * scheduler) asks `isLeader()` before each pass. Correctness never depends on it: every write is
 * guarded by the job's version, so two replicas that both believe they lead for a moment only
 * duplicate work. With one server (SQLite) there is no election and it always leads.
 */
export interface Leadership {
  /** Whether this replica leads now; tries to become leader when nobody does. */
  isLeader(): Promise<boolean>;
  /** Steps down so another replica can take over at once. */
  close(): Promise<void>;
}
