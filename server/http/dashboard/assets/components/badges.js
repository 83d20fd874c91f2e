/**
 * State badges and tag chips, with the icons the CLI prints (✅ 🔄 ⏳ …): both come from
 * shared/states.ts, which the server sends with the session (useStateTable).
 */
import { h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/** Filled from the session before any page is drawn. @type {Record<string, string>} */
export const STATE_ICONS = {};
/** Every job state, in the state module's order. @type {string[]} */
export const JOB_STATES = [];

/** @param {{states: string[], icons: Record<string, string>}} session */
export function useStateTable(session) {
  Object.assign(STATE_ICONS, session.icons);
  JOB_STATES.splice(0, JOB_STATES.length, ...session.states);
}

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
