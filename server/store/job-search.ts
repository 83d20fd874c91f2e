/**
 * Job search, written once for both databases: the filters of `GET /jobs` (and the dashboard's
 * Jobs page, and `flowy-client list`) as SQL conditions, and keyset pagination that stays stable
 * while jobs change (a page ends at a (sort key, id) pair; the next starts strictly after it, so
 * no job is shown twice or skipped when new ones arrive). Each store gives its dialect: how a
 * value becomes a placeholder, how tags are matched, how the error is read as text.
 */
import type { JobState } from "../../shared/states.ts";

export type JobSort = "created" | "finished" | "duration";
export type SortOrder = "asc" | "desc";

/** Where a page ended: the last job's sort key (null for `created`, whose key is the id) and id. */
export interface SearchCursor {
  key: number | null;
  id: string;
}

export interface JobFilter {
  states?: JobState[];
  /** Jobs carrying every one of these tags. */
  tags?: string[];
  idPrefix?: string;
  /** Only these jobs (a selection), still subject to the other filters. */
  ids?: string[];
  /** A case-insensitive substring of the name. */
  nameContains?: string;
  workerId?: string;
  /** Jobs of this concurrency key. */
  concurrencyKey?: string;
  /** Jobs a schedule enqueued, of the ticks it keeps (the newest KEPT_TICKS, schedule-store.ts). */
  schedule?: string;
  /** A case-insensitive substring of the error (message, exit code, output tail). */
  errorContains?: string;
  /** Epoch ms bounds: after is inclusive, before exclusive. */
  createdAfter?: number;
  createdBefore?: number;
  finishedAfter?: number;
  finishedBefore?: number;
  /** `finished` and `duration` list finished jobs only. Default: created. */
  sort?: JobSort;
  /** Default: desc (newest, latest or longest first). */
  order?: SortOrder;
  after?: SearchCursor;
  limit: number;
}

export interface SearchDialect {
  /** Adds a value to the statement's parameters and returns its placeholder. */
  param(value: unknown): string;
  hasTag(placeholder: string): string;
  /** The error column as text. */
  errorText: string;
  /** Where `needle` starts in `haystack`, 1-based, 0 when absent (instr, strpos). */
  position(haystack: string, needle: string): string;
}

/** The sort key as SQL; `created` sorts by id, which is time-ordered and unique. */
const SORT_KEY: Record<JobSort, string | undefined> = {
  created: undefined,
  finished: "finished_at",
  duration: "(finished_at - started_at)",
};

/** The WHERE conditions of a count: the filters alone, without sort or page. */
export function countClauses(filter: Omit<JobFilter, "limit">, d: SearchDialect): string[] {
  return filterConditions({ ...filter, limit: 0 }, d);
}

/** The WHERE conditions and the ORDER BY of a search. */
export function searchClauses(filter: JobFilter, d: SearchDialect): { where: string[]; orderBy: string } {
  const where = filterConditions(filter, d);
  const sort = filter.sort ?? "created";
  const key = SORT_KEY[sort];
  const dir = filter.order === "asc" ? "ASC" : "DESC";
  if (sort !== "created") where.push(`finished_at IS NOT NULL AND started_at IS NOT NULL`);
  if (filter.after) where.push(afterCursor(key, filter.after, dir === "ASC" ? ">" : "<", d));
  const orderBy = key ? `${key} ${dir}, id ${dir}` : `id ${dir}`;
  return { where, orderBy };
}

function filterConditions(filter: JobFilter, d: SearchDialect): string[] {
  const where: string[] = [];
  if (filter.states?.length) where.push(`state IN (${filter.states.map((s) => d.param(s)).join(", ")})`);
  for (const tag of filter.tags ?? []) where.push(d.hasTag(d.param(tag)));
  if (filter.idPrefix) {
    // A range on the primary key: ids are lowercase base32, all below '~'.
    where.push(`id >= ${d.param(filter.idPrefix)} AND id < ${d.param(`${filter.idPrefix}~`)}`);
  }
  if (filter.ids) {
    where.push(filter.ids.length ? `id IN (${filter.ids.map((id) => d.param(id)).join(", ")})` : "1 = 0");
  }
  if (filter.nameContains) where.push(contains("name", filter.nameContains, d));
  if (filter.workerId !== undefined) where.push(`worker_id = ${d.param(filter.workerId)}`);
  if (filter.concurrencyKey !== undefined) where.push(`concurrency_key = ${d.param(filter.concurrencyKey)}`);
  if (filter.schedule !== undefined) {
    where.push(
      `id IN (SELECT job_id FROM schedule_ticks WHERE schedule_name = ${d.param(filter.schedule)} AND job_id IS NOT NULL)`,
    );
  }
  if (filter.errorContains) {
    where.push(`error IS NOT NULL AND ${contains(d.errorText, filter.errorContains, d)}`);
  }
  if (filter.createdAfter !== undefined) where.push(`created_at >= ${d.param(filter.createdAfter)}`);
  if (filter.createdBefore !== undefined) where.push(`created_at < ${d.param(filter.createdBefore)}`);
  if (filter.finishedAfter !== undefined) where.push(`finished_at >= ${d.param(filter.finishedAfter)}`);
  if (filter.finishedBefore !== undefined) where.push(`finished_at < ${d.param(filter.finishedBefore)}`);
  return where;
}

function contains(column: string, text: string, d: SearchDialect): string {
  return `${d.position(`lower(${column})`, `lower(${d.param(text)})`)} > 0`;
}

function afterCursor(key: string | undefined, cursor: SearchCursor, op: "<" | ">", d: SearchDialect): string {
  if (!key || cursor.key === null) return `id ${op} ${d.param(cursor.id)}`;
  const k = d.param(cursor.key);
  return `(${key} ${op} ${k} OR (${key} = ${k} AND id ${op} ${d.param(cursor.id)}))`;
}

/** The cursor a page ending at this job hands to the next one. */
export function cursorAt(
  job: { id: string; startedAt: number | null; finishedAt: number | null },
  sort: JobSort = "created",
): SearchCursor {
  if (sort === "finished") return { key: job.finishedAt, id: job.id };
  if (sort === "duration") {
    return {
      key: job.finishedAt !== null && job.startedAt !== null ? job.finishedAt - job.startedAt : null,
      id: job.id,
    };
  }
  return { key: null, id: job.id };
}
