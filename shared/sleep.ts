/**
 * The one abortable timer of the client and the server. It resolves, never rejects, when `signal`
 * aborts (callers check the signal themselves, so an abort is not an error to catch), and early
 * when the caller calls the `wake` it is handed through `onWake` (news it was waiting for).
 */
export function sleep(ms: number, signal?: AbortSignal, onWake?: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    onWake?.(done);
  });
}
