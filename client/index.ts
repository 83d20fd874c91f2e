/**
 * The flowy client SDK: `import { FlowyClient } from "flowy-jobs"`.
 *
 *   const flowy = new FlowyClient({ server: "http://127.0.0.1:7411" });
 *   const job = await flowy.submit({ spec: { command: ["echo", "hello"] } });
 *   const done = await flowy.wait(job.id, { onProgress: (j) => console.log(j.state) });
 */
export {
  DEFAULT_SERVER,
  FlowyClient,
  type FlowyClientOptions,
  type JobPage,
  type ListFilter,
  type SubmitOptions,
} from "./flowy-client.ts";
export type { LogChunk, LogOptions } from "./job-logs.ts";
export { isOutage, type ReconnectOptions } from "./reconnect.ts";
export { HttpTransport, type RetryOptions, type TransportOptions } from "./transport.ts";
export { isFinished, type WaitOptions, WaitTimeoutError } from "./wait-for-job.ts";
export { loadClientConfig, type ClientConfig } from "./config.ts";
export { FlowyError, isFlowyError, type ErrorCode } from "../shared/errors.ts";
export type { HistoryEntry, Job, JobSpec, Stats, SubmitJob, Task, Worker } from "../shared/protocol.ts";
export { isTerminal, JOB_STATES, type JobState, TERMINAL_STATES } from "../shared/states.ts";
