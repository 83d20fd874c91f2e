/** A background loop's timer, held (pass-loop.ts): the test sees each delay asked for and runs the pass itself. */
import { expect, vi } from "vitest";

export function heldSchedule() {
  const delays: number[] = [];
  let next: (() => void) | undefined;
  const schedule = (run: () => void, delayMs: number) => {
    delays.push(delayMs);
    next = run;
    return () => {
      if (next === run) next = undefined;
    };
  };
  /** Waits until the loop has asked for its next pass, then runs it. */
  const runNext = async () => {
    await vi.waitFor(() => expect(next).toBeDefined(), { timeout: 30_000 });
    const run = next!;
    next = undefined;
    run();
  };
  return { schedule, delays, runNext };
}
