/**
 * How long a cancel of a running job takes to land, said in one place. Today its worker learns of
 * it from the answer to its next heartbeat, sent every half lease, then stops the job (SIGTERM,
 * SIGKILL after the daemon's kill_grace). When cancels reach workers sooner, change this, and
 * docs/getting-started.md, which must quote CANCEL_DELAY_DOC (test/e2e/docs-commands.test.ts).
 */
import { formatDuration } from "../../shared/duration.ts";
import type { Job } from "../../shared/protocol.ts";

/** The general rule, as the docs give it. */
export const CANCEL_DELAY_DOC =
  "its worker stops it when it next hears from the server, at its next heartbeat: up to half the job's lease (30s with the default 60s lease)";

/** For one job: its own lease decides. */
export function cancelDelayNote(job: Job): string {
  return `its worker stops it at its next heartbeat, within ${formatDuration(job.lease_s * 500)} (half the job's lease)`;
}
