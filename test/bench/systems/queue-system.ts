/**
 * What every system under test (flowy and each peer) offers the throughput and latency scenarios,
 * so one scenario drives them all the same way. Times are performance.now() milliseconds of the
 * bench process, which both enqueues and works.
 */
export interface WorkerLayout {
  workers: number;
  perWorker: number;
}

export interface LatencySamples {
  /** Submit acknowledged → the job handed to a worker's runner, per job (ms). */
  claimed: number[];
  /** Submit acknowledged → the completion acknowledged by the system, per job (ms); empty when the peer tells no such moment. */
  completed: number[];
}

export interface QueueSystem {
  readonly name: string;
  /** The server process, where the system has one of its own (flowy): its CPU per job is shown too. */
  readonly serverPid?: number;
  start(): Promise<void>;
  /** Enqueues n no-op jobs while no worker runs; resolves when all are acknowledged. */
  enqueue(n: number): Promise<void>;
  /** Starts the workers and resolves when n jobs have completed: ms from first claim to last completion. */
  drain(n: number, layout: WorkerLayout): Promise<number>;
  /** Enqueues n no-op jobs `per` at a time through the system's bulk call, one call after another. */
  enqueueBulk?(n: number, per: number): Promise<void>;
  /** With one idle worker waiting, submits n jobs one at a time. */
  latency(n: number): Promise<LatencySamples>;
  stop(): Promise<void>;
}

/** Counts completions and resolves once `n` have happened, remembering the first claim. */
export class DrainClock {
  firstClaim = Number.NaN;
  private completed = 0;
  private resolveDone!: (ms: number) => void;
  private rejectDone!: (error: unknown) => void;
  readonly done: Promise<number>;
  private readonly n: number;

  /** A drain that stalls is reported with how far it got instead of hanging the run. */
  constructor(n: number, timeoutMs = 180_000) {
    this.n = n;
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    const timer = setTimeout(
      () => this.fail(new Error(`stalled: ${this.completed} of ${n} completed after ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    void this.done.finally(() => clearTimeout(timer)).catch(() => undefined);
  }

  claimed(at = performance.now()): void {
    if (Number.isNaN(this.firstClaim)) this.firstClaim = at;
  }

  completedOne(at = performance.now()): void {
    this.completed++;
    if (this.completed === this.n) this.resolveDone(at - this.firstClaim);
  }

  /** For peers whose completions are counted in the database rather than one by one. */
  completedAll(at = performance.now()): void {
    this.resolveDone(at - this.firstClaim);
  }

  fail(error: unknown): void {
    this.rejectDone(error);
  }
}
