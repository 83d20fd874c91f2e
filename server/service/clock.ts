/**
 * Time is injected so lease and backoff tests never sleep.
 *
 * `systemClock` is this host's wall clock. FLOWY_FAKE_CLOCK_SKEW_MS shifts it by that many ms: a
 * fault-injection knob for tests and the chaos suite (a replica whose clock is wrong), never set
 * in production.
 */
export type Clock = () => number;

const FAKE_SKEW_MS = Number(process.env.FLOWY_FAKE_CLOCK_SKEW_MS ?? 0) || 0;
export const systemClock: Clock = FAKE_SKEW_MS === 0 ? () => Date.now() : () => Date.now() + FAKE_SKEW_MS;

export interface DatabaseClock {
  now: Clock;
  close(): void;
}

export interface DatabaseClockOptions {
  /** How often the database's time is read again; between reads the clock runs on performance.now(). */
  resampleMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The database's clock, for replicas that share one database (PostgreSQL): every lease, deadline
 * and run_at a replica stamps is then on the same clock, whatever its host's clock says, so a
 * replica whose clock is off cannot expire a fresh lease or promote a job early. The database's
 * time is read once at start and then every `resampleMs` (the midpoint of the round trip, so the
 * error is at most half of it); in between it advances on the monotonic clock, so a step of the
 * host's wall clock changes nothing. It never runs backwards.
 */
export async function createDatabaseClock(
  read: () => Promise<number>,
  options: DatabaseClockOptions = {},
): Promise<DatabaseClock> {
  const sample = async () => {
    const before = performance.now();
    const at = await read();
    const after = performance.now();
    return { at, mono: (before + after) / 2 };
  };
  let base = await sample();
  let last = 0;
  const timer = setInterval(() => {
    sample().then(
      (fresh) => {
        base = fresh;
      },
      (error: unknown) => options.onError?.(error),
    );
  }, options.resampleMs ?? 10_000);
  timer.unref();
  return {
    now: () => {
      last = Math.max(last, Math.round(base.at + (performance.now() - base.mono)));
      return last;
    },
    close: () => clearInterval(timer),
  };
}
