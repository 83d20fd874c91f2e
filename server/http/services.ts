import type { JobService } from "../service/job-service.ts";
import type { LeaseService } from "../service/lease-service.ts";
import type { Clock } from "../service/clock.ts";

/** What the routes may call: the services, never the store. */
export interface Services {
  jobs: JobService;
  leases: LeaseService;
  clock: Clock;
  ready: () => Promise<boolean>;
}
