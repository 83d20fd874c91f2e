/**
 * Errors a person can act on. Every FlowyError becomes an RFC 9457 problem+json body on the wire
 * (`type`, `title`, `status`, `detail`, `hint`), and the client turns that body back into one.
 */

export const ERROR_CODES = {
  "invalid-request": { status: 400, title: "The request is not valid" },
  unauthorized: { status: 401, title: "An API key is required" },
  forbidden: { status: 403, title: "This API key's role may not do that" },
  "not-found": { status: 404, title: "Not found" },
  "illegal-transition": { status: 409, title: "The job is not in a state that allows this" },
  "lease-lost": { status: 409, title: "The lease is no longer held" },
  "log-gap": { status: 409, title: "The log chunk does not continue the stored log" },
  "idempotency-conflict": { status: 409, title: "The Idempotency-Key was used for a different job" },
  "schedule-exists": { status: 409, title: "A schedule of that name exists" },
  "version-conflict": { status: 409, title: "The version is not newer than the current one" },
  "payload-too-large": { status: 413, title: "The request body is too large" },
  "log-full": { status: 413, title: "The attempt's log is full" },
  "range-not-satisfiable": { status: 416, title: "The requested range is not in the file" },
  "rate-limited": { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal server error" },
  unavailable: { status: 503, title: "The server is not ready" },
  unreachable: { status: 503, title: "The server cannot be reached" },
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  hint?: string;
  code: ErrorCode;
  [extra: string]: unknown;
}

export class FlowyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly hint: string | undefined;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, hint?: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.name = "FlowyError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.hint = hint;
    this.extra = extra;
  }

  toProblem(): Problem {
    return {
      ...this.extra,
      type: `https://flowy.dev/problems/${this.code}`,
      title: ERROR_CODES[this.code].title,
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(this.hint ? { hint: this.hint } : {}),
    };
  }
}

export function isFlowyError(err: unknown, code?: ErrorCode): err is FlowyError {
  return err instanceof FlowyError && (code === undefined || err.code === code);
}

export function notFound(what: string, id: string): FlowyError {
  return new FlowyError("not-found", `${what} ${id} does not exist`, `List them with: flowy-client list`);
}

export function leaseLost(jobId: string, why: string): FlowyError {
  return new FlowyError(
    "lease-lost",
    `Job ${jobId}: ${why}`,
    "Stop running this job: another worker may own it now. Do not report its result.",
    { job_id: jobId },
  );
}
