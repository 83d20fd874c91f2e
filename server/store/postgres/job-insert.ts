/** The insert of submitted jobs, shared by the submit paths and a schedule's ticks. */
import { chunkByColumns, jobToColumns } from "../job-row.ts";
import type { HistoryInput, NewJob } from "../store.ts";
import * as q from "./job-statements.ts";
import type { Statement } from "./pg-executor.ts";

export interface JobToInsert {
  job: NewJob;
  history: HistoryInput;
}

/** PostgreSQL takes at most 65,535 parameters a statement; a chunk stays well under. */
const MAX_PARAMETERS = 60_000;

/**
 * The inserts of jobs with their submit history rows (and their keys' slot rows): as few
 * statements as the parameter limit allows, in the jobs' order, so a later job's key meets an
 * earlier one's. Jobs whose columns differ (a field left out) go into statements of their own.
 */
export function insertJobStatements(jobs: JobToInsert[]): Array<{ statement: Statement; values: unknown[] }> {
  const rows = jobs.map(({ job }) => [
    ...jobToColumns(job),
    ["updated_at", job.createdAt] as [string, unknown],
  ]);
  let done = 0;
  return chunkByColumns(rows, (width) => Math.floor(MAX_PARAMETERS / width)).map((chunk) => {
    const chunkJobs = jobs.slice(done, done + chunk.length);
    done += chunk.length;
    return {
      statement: q.insertJobs(
        chunk[0]!.map(([c]) => c),
        chunk.length,
      ),
      values: [...chunk.flatMap((columns) => columns.map(([, v]) => v)), ...historyArrays(chunkJobs)],
    };
  });
}

/** The insert of one job, as one statement. */
export function insertJobStatement(
  job: NewJob,
  history: HistoryInput,
): { statement: Statement; values: unknown[] } {
  return insertJobStatements([{ job, history }])[0]!;
}

function historyArrays(jobs: JobToInsert[]): unknown[][] {
  return [
    jobs.map(({ job }) => job.id),
    jobs.map(({ history }) => history.from),
    jobs.map(({ history }) => history.to),
    jobs.map(({ history }) => history.event),
    jobs.map(({ history }) => history.reason ?? null),
    jobs.map(({ history }) => history.workerId ?? null),
  ];
}
