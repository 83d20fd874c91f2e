/** How big each scenario is: the full size the issue names, and a quick size for CI (all under 60 s). */
export interface Sizes {
  throughputJobs: number;
  latencyJobs: number;
  endToEndJobs: number;
  depthShallow: number;
  depthDeep: number;
  depthClaims: number;
  idleSeconds: number;
  cancelJobs: number;
  searchJobs: number;
}

export const FULL: Sizes = {
  throughputJobs: 20_000,
  latencyJobs: 1_000,
  endToEndJobs: 2_000,
  depthShallow: 10_000,
  depthDeep: 1_000_000,
  depthClaims: 1_000,
  idleSeconds: 30,
  cancelJobs: 100,
  searchJobs: 100_000,
};

export const QUICK: Sizes = {
  throughputJobs: 2_000,
  latencyJobs: 100,
  endToEndJobs: 200,
  depthShallow: 1_000,
  depthDeep: 20_000,
  depthClaims: 200,
  idleSeconds: 3,
  cancelJobs: 10,
  searchJobs: 5_000,
};

/** Total concurrency 32 everywhere, split the same way for every system: 4 workers × 8 slots. */
export const LAYOUT = { workers: 4, perWorker: 8 };
