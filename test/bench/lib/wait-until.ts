/** Polls `check` every `intervalMs` until it is true; for peers whose completions are only visible in their database. */
export async function waitUntil(
  check: () => Promise<boolean>,
  intervalMs: number,
  timeoutMs = 600_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
