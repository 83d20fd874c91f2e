/** The insert of a submitted job, shared by the submit path and a schedule's ticks. */
import { jobToColumns } from "../job-row.ts";
import type { HistoryInput, NewJob } from "../store.ts";
import * as q from "./job-statements.ts";
import type { Statement } from "./pg-executor.ts";

/** The insert of a job with its submit history row (and its key's slot row), as one statement. */
export function insertJobStatement(
  job: NewJob,
  history: HistoryInput,
): { statement: Statement; values: unknown[] } {
  const columns = [...jobToColumns(job), ["updated_at", job.createdAt] as [string, unknown]];
  const statement = q.insertJob(columns.map(([c]) => c));
  return { statement, values: [...columns.map(([, v]) => v), ...historyValues(history)] };
}

function historyValues(history: HistoryInput): unknown[] {
  return [history.from, history.to, history.event, history.reason ?? null, history.workerId ?? null];
}
