/**
 * Job changes, published after each committed write. Long-polling claims wait for `pending`
 * jobs here and `GET /jobs/{id}?version=` waits for its job. This is the in-process feed; with
 * PostgreSQL, store/postgres/pg-change-feed.ts wraps it so changes also cross replicas
 * (LISTEN/NOTIFY). It lives in model/ because both the service and the stores build on it.
 */
import { EventEmitter } from "node:events";
import type { JobState } from "../../shared/states.ts";

export interface JobChange {
  jobId: string;
  state: JobState;
  version: number;
  tags: string[];
  /**
   * "log" when only the job's log grew. "resync" when changes may have been missed (a replica's
   * link to the other replicas was down): every waiter should look again. A resync names no job.
   * "drain" when worker `workerId` was asked to drain; it names no job either. "slot" when a job
   * with a concurrency key stopped running: claims held back by the key may now go ahead, so every
   * claim waiter looks again (it names no job either).
   */
  kind?: "log" | "resync" | "drain" | "slot";
  workerId?: string;
  /**
   * The job's spec.bundle, so a claim waiter that lacks the bundle is not the one woken for it.
   * Not carried across PostgreSQL replicas: a change from another replica wakes by tags alone.
   */
  bundle?: string;
}

export type ChangeListener = (change: JobChange) => void;

export interface ChangeFeed {
  publish(changes: JobChange[]): void;
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

export function createLocalChangeFeed(): ChangeFeed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(changes) {
      for (const change of changes) emitter.emit("change", change);
    },
    subscribe(listener) {
      emitter.on("change", listener);
      return () => emitter.off("change", listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
