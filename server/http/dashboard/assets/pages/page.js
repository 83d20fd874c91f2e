/**
 * What every page gets, and the live-refresh loop they share: load once, then again (throttled)
 * when the change stream says something they show changed, and on a timer for what no job change
 * announces (a worker going quiet).
 */
import { h, replace, throttle } from "../lib/dom.js";
import { formatAgo, formatTime, t } from "../lib/i18n.js";

/**
 * @typedef {object} Session
 * @property {string} version
 * @property {"en" | "ja"} lang
 * @property {string} role
 * @property {boolean} keys_required
 * @property {Partial<Record<"cancel" | "requeue" | "delete", string[]>>} actions
 * @property {string[]} controls the other buttons the role may use: drain, pause_schedule,
 *   resume_schedule, trigger_schedule, resume_tag
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

/**
 * A table whose header cells are the words `${prefix}.col.${key}`, around `tbody`; the table's
 * class is `prefix` too, for styles and tests.
 * @param {string} prefix @param {string[]} keys @param {HTMLElement} tbody
 */
export function dataTable(prefix, keys, tbody) {
  const headers = keys.map((k) => h("th", { scope: "col" }, t(`${prefix}.col.${k}`)));
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: `table ${prefix}` }, h("thead", {}, h("tr", {}, ...headers)), tbody),
  );
}

/** The one row of an empty table. @param {number} columns @param {string} text */
export function emptyRow(columns, text) {
  return h("tr", {}, h("td", { colspan: String(columns), class: "empty" }, text));
}

/** "3 minutes ago" or "in 3 minutes", the exact time on hover. @param {string | null | undefined} at */
export function when(at) {
  if (!at) return h("span", { class: "muted" }, t("none"));
  return h("time", { datetime: at, title: formatTime(at) }, formatAgo(at));
}
