import type { BulkActions } from "../service/bulk-actions.ts";
import type { JobService } from "../service/job-service.ts";
import type { LeaseService } from "../service/lease-service.ts";
import type { Clock } from "../service/clock.ts";
import type { KeyService } from "../service/key-service.ts";
import type { SseOptions, StreamObserver } from "./sse.ts";
import type { WorkerControl } from "../service/worker-control.ts";
import type { BundleService } from "../service/bundle-service.ts";
import type { ExplainService } from "../service/explain-service.ts";
import type { LimitService } from "../service/limit-service.ts";
import type { PauseService } from "../service/pause-service.ts";
import type { ScheduleService } from "../service/schedule-service.ts";

/** What the routes may call: the services, never the store. */
export interface Services {
  jobs: JobService;
  bulk: BulkActions;
  leases: LeaseService;
  keys: KeyService;
  control: WorkerControl;
  bundles: BundleService;
  pauses: PauseService;
  limits: LimitService;
  explain: ExplainService;
  schedules: ScheduleService;
  clock: Clock;
  ready: () => Promise<boolean>;
  /** Prometheus text exposition of the server's metrics, and what they count of live streams. */
  metrics: { contentType: string; render(): Promise<string>; streams?: StreamObserver };
  /** Caps and stall limits of live streams (sse.ts); defaults when absent. */
  streamLimits?: Partial<SseOptions>;
}
