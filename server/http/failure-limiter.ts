/** Counts failed authentications per address in a fixed window; past the limit the address waits. */
export interface FailureLimiterOptions {
  windowMs: number;
  maxFailures: number;
  now?: () => number;
}

export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly options: FailureLimiterOptions;

  constructor(options: FailureLimiterOptions) {
    this.options = options;
  }

  get windowMs(): number {
    return this.options.windowMs;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  recordFailure(address: string): void {
    const now = this.now();
    const entry = this.failures.get(address);
    if (!entry || now - entry.since > this.options.windowMs)
      this.failures.set(address, { count: 1, since: now });
    else entry.count++;
    if (this.failures.size > 10_000) this.prune(now);
  }

  isBlocked(address: string): boolean {
    const entry = this.failures.get(address);
    if (!entry) return false;
    if (this.now() - entry.since > this.options.windowMs) {
      this.failures.delete(address);
      return false;
    }
    return entry.count >= this.options.maxFailures;
  }

  private prune(now: number): void {
    for (const [address, entry] of this.failures) {
      if (now - entry.since > this.options.windowMs) this.failures.delete(address);
    }
  }
}
