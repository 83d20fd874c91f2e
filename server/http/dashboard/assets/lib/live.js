/**
 * One EventSource for the whole page: /api/v1/events sends coalesced job changes, and each view
 * subscribes to what it shows. After a reconnect, views get an empty batch with `resync` set so
 * they refetch whatever they may have missed.
 */

/** @typedef {{id: string, state: string, version: number, kind?: "log"}} JobChange */
/** @typedef {(changes: JobChange[], resync: boolean) => void} LiveListener */

/**
 * @param {(connected: boolean) => void} onStatus
 */
export function createLive(onStatus) {
  /** @type {Set<LiveListener>} */
  const listeners = new Set();
  const source = new EventSource("/api/v1/events");
  let wasConnected = false;
  source.addEventListener("open", () => {
    if (wasConnected) for (const listener of listeners) listener([], true);
    wasConnected = true;
    onStatus(true);
  });
  source.addEventListener("error", () => onStatus(false));
  source.addEventListener("jobs", (event) => {
    const changes = JSON.parse(/** @type {MessageEvent} */ (event).data);
    for (const listener of listeners) listener(changes, false);
  });
  return {
    /** @param {LiveListener} listener */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      source.close();
    },
  };
}
