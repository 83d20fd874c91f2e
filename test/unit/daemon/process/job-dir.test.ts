/** Job directories: named by the job id only when the id is a plain name. */
import { describe, expect, it } from "vitest";
import { jobDirPath } from "../../../../daemon/process/job-dir.ts";

describe("jobDirPath", () => {
  it("places a job under the root", () => {
    expect(jobDirPath("/state/jobs", "01hzyx")).toBe("/state/jobs/01hzyx");
  });

  it.each(["..", ".", "", "../etc", "a/b", "/abs", "a\0b", "x".repeat(129), "a.b"])(
    "refuses the id %j",
    (id) => {
      expect(() => jobDirPath("/state/jobs", id)).toThrow(/cannot name a job directory/);
    },
  );
});
