import type { JobService } from "../service/job-service.ts";
import type { LeaseService } from "../service/lease-service.ts";
import type { Clock } from "../service/clock.ts";
import type { KeyService } from "../service/key-service.ts";
import type { ExplainService } from "../service/explain-service.ts";
import type { LimitService } from "../service/limit-service.ts";
import type { PauseService } from "../service/pause-service.ts";

/** What the routes may call: the services, never the store. */
export interface Services {
  jobs: JobService;
  leases: LeaseService;
  keys: KeyService;
  pauses: PauseService;
  limits: LimitService;
  explain: ExplainService;
  clock: Clock;
  ready: () => Promise<boolean>;
  /** Prometheus text exposition of the server's metrics. */
  metrics: { contentType: string; render(): Promise<string> };
}
