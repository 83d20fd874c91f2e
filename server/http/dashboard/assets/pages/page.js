/**
 * What every page gets, and the live-refresh loop they share: load once, then again (throttled)
 * when the change stream says something they show changed, and on a timer for what no job change
 * announces (a worker going quiet).
 */
import { h, replace, throttle } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/**
 * @typedef {object} Session
 * @property {string} version
 * @property {"en" | "ja"} lang
 * @property {string} role
 * @property {boolean} keys_required
 * @property {Partial<Record<"cancel" | "requeue" | "delete", string[]>>} actions
 * @property {boolean} can_drain whether the role may ask a worker to drain
 * @property {string[]} states every job state, in the state module's order
 * @property {Record<string, string>} icons each job or task state's icon (shared/states.ts)
 */

/**
 * @typedef {object} PageContext
 * @property {Session} session
 * @property {{subscribe(listener: import("../lib/live.js").LiveListener): () => void}} live
 * @property {(message: string) => void} announce
 */

/**
 * @param {object} options
 * @param {() => Promise<void>} options.load
 * @param {PageContext} options.ctx
 * @param {(change: import("../lib/live.js").JobChange) => boolean} [options.relevant]
 * @param {number} [options.throttleMs]
 * @param {number} [options.pollMs]
 * @param {HTMLElement} [options.errorBox]
 * @returns {() => void} stops refreshing
 */
export function keepFresh({ load, ctx, relevant = () => true, throttleMs = 1000, pollMs = 0, errorBox }) {
  let stopped = false;
  const run = async () => {
    if (stopped) return;
    try {
      await load();
      if (errorBox) replace(errorBox);
    } catch (error) {
      if (errorBox)
        replace(
          errorBox,
          h(
            "p",
            { class: "error", role: "alert" },
            t("error.load", { message: String(/** @type {Error} */ (error).message) }),
          ),
        );
    }
  };
  const refresh = throttle(run, throttleMs);
  const unsubscribe = ctx.live.subscribe((changes, resync) => {
    if (resync || changes.some(relevant)) refresh();
  });
  const timer = pollMs > 0 ? setInterval(refresh, pollMs) : undefined;
  void run();
  return () => {
    stopped = true;
    refresh.cancel();
    unsubscribe();
    clearInterval(timer);
  };
}

/**
 * Fills a page the usual way: its head, the box its loading errors show in, then its parts.
 * Answers the error box, for keepFresh.
 * @param {HTMLElement} root
 * @param {string} title
 * @param {...import("../lib/dom.js").Child} parts
 */
export function fillPage(root, title, ...parts) {
  const errorBox = h("div");
  replace(root, pageHead(title), errorBox, ...parts);
  return errorBox;
}

/** @param {string} title @param {...import("../lib/dom.js").Child} rest */
export function pageHead(title, ...rest) {
  return h("div", { class: "page-head" }, h("h1", {}, title), ...rest);
}
