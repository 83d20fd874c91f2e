/** A job's history of transitions as a vertical timeline, newest last (the order they happened). */
import { h } from "../lib/dom.js";
import { formatAgo, formatTime, t } from "../lib/i18n.js";
import { stateBadge } from "./badges.js";

/** @typedef {{at: string, from: string | null, to: string, event: string, reason: string | null, worker_id: string | null, attempt: number}} HistoryEntry */

/** @param {HistoryEntry[]} history */
export function timeline(history) {
  return h(
    "ol",
    { class: "timeline" },
    ...history.map((entry) =>
      h(
        "li",
        { class: `st-${entry.to}` },
        h("span", { class: "dot", "aria-hidden": "true" }),
        h(
          "div",
          { class: "timeline-head" },
          stateBadge(entry.to),
          h("code", { class: "event" }, entry.event),
          h("time", { datetime: entry.at, title: formatTime(entry.at) }, formatAgo(entry.at)),
        ),
        h(
          "div",
          { class: "timeline-meta muted" },
          entry.attempt > 0 ? t("history.attempt", { n: entry.attempt }) : null,
          entry.worker_id ? ` · ${t("history.by", { worker: entry.worker_id })}` : null,
          entry.reason ? h("div", { class: "reason" }, entry.reason) : null,
        ),
      ),
    ),
  );
}
