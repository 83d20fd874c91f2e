import { describe, expect, it } from "vitest";
import { sleep } from "../../../shared/sleep.ts";

/** Whether `promise` settles before a 10 s timer would: each case here must end at once. */
async function endsAtOnce(promise: Promise<void>): Promise<boolean> {
  const started = performance.now();
  await promise;
  return performance.now() - started < 5_000;
}

describe("sleep", () => {
  it("waits its time", async () => {
    const started = performance.now();
    await sleep(50);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("resolves at once on a signal aborted before or while it sleeps", async () => {
    expect(await endsAtOnce(sleep(10_000, AbortSignal.abort()))).toBe(true);
    const controller = new AbortController();
    const sleeping = sleep(10_000, controller.signal);
    controller.abort();
    expect(await endsAtOnce(sleeping)).toBe(true);
  });

  it("resolves when woken", async () => {
    let wake: (() => void) | undefined;
    const sleeping = sleep(10_000, undefined, (w) => (wake = w));
    wake!();
    expect(await endsAtOnce(sleeping)).toBe(true);
  });
});
