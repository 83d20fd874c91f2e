import type { SubmitJob } from "../../shared/protocol.ts";

/** A submit body with a harmless command; override what the test is about. */
export function makeJobSpec(overrides: Partial<SubmitJob> = {}): SubmitJob {
  return { spec: { command: ["true"] }, ...overrides };
}
