/** State badges and tag chips, with the same icons the CLI prints (✅ 🔄 ⏳ …). */
import { h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/** @type {Record<string, string>} */
export const STATE_ICONS = {
  scheduled: "🗓️",
  awaiting: "🔗",
  pending: "⏳",
  running: "🔄",
  cancelling: "🛑",
  succeeded: "✅",
  failed: "❌",
  timed_out: "⌛",
  canceled: "🚫",
  deleted: "🗑️",
  skipped: "⏭️",
};

/** @param {string} state */
export function stateBadge(state) {
  return h(
    "span",
    { class: `badge st-${state}`, "data-state": state },
    h("span", { class: "icon", "aria-hidden": "true" }, STATE_ICONS[state] ?? "•"),
    t(`state.${state}`),
  );
}

/** @param {string[]} tags */
export function tagChips(tags) {
  if (!tags.length) return h("span", { class: "muted" }, t("none"));
  return h("span", { class: "chips" }, ...tags.map((tag) => h("span", { class: "chip" }, tag)));
}
