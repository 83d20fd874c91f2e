import { describe, expect, it } from "vitest";
import { leaseLost } from "../../../../shared/errors.ts";
import type { JobRecord } from "../../../../server/model/records.ts";
import { fromWireOutcome, fromWireReportItem, toWireReportResult } from "../../../../server/http/wire.ts";

describe("wire mapping of worker reports", () => {
  it("fills a report's absent fields with the service's defaults", () => {
    expect(fromWireOutcome("complete", {})).toEqual({
      kind: "complete",
      exitCode: null,
      durationMs: null,
      tasks: null,
      outputs: {},
    });
    expect(fromWireReportItem({ kind: "failed", job_id: "j", lease_token: "t", timed_out: true })).toEqual({
      kind: "outcome",
      jobId: "j",
      leaseToken: "t",
      outcome: {
        kind: "failed",
        message: "failed",
        exitCode: null,
        durationMs: null,
        tasks: null,
        stderrTail: null,
        timedOut: true,
        retryable: true,
      },
    });
  });

  it("answers with ISO times, and a refusal as a problem object", () => {
    const job = { id: "j", state: "running", leaseExpiresAt: 0 } as JobRecord;
    expect(toWireReportResult({ jobId: "j", ok: true, job, cancelRequested: false }, -250)).toEqual({
      job_id: "j",
      ok: true,
      state: "running",
      lease_expires_at: "1970-01-01T00:00:00.000Z",
      lease_ms: 250,
      cancel_requested: false,
    });
    const refused = toWireReportResult(
      {
        jobId: "j",
        ok: false,
        error: leaseLost("j", "another lease holds it"),
      },
      0,
    );
    expect(refused).toMatchObject({ job_id: "j", ok: false, error: { code: "lease-lost", status: 409 } });
  });
});
